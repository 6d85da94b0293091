import type { Writable } from 'node:stream';
import { once } from 'node:events';
import { z } from 'zod';
import type { Db } from '../store/database';
import { policyDocuments } from './policies.repository';

const day = z.iso.date();
const instant = z.iso.datetime({ offset: true });
const bound = z
  .string()
  .trim()
  .refine((v) => day.safeParse(v).success || instant.safeParse(v).success, 'must be a date (2026-11-01) or an ISO-8601 date and time');

export const exportFilterSchema = z.object({
  document: z.enum(policyDocuments, { error: 'must be "terms" or "privacy"' }).optional(),
  from: bound.optional(),
  to: bound.optional(),
});
export type ExportFilter = z.infer<typeof exportFilterSchema>;

/** `from` is inclusive; a date-only `to` includes that whole day. */
function range(filter: ExportFilter): { from?: string; to?: string } {
  const from = filter.from === undefined ? undefined : new Date(filter.from).toISOString();
  let to: string | undefined;
  if (filter.to !== undefined) {
    const end = new Date(filter.to);
    if (day.safeParse(filter.to).success) end.setUTCDate(end.getUTCDate() + 1);
    to = end.toISOString();
  }
  return { from, to };
}

export const csvHeader = ['consent_id', 'account_id', 'document', 'version', 'method', 'wording', 'accepted_at'];

/** RFC 4180 quoting, and a leading apostrophe against spreadsheet formula injection. */
export function csvField(value: string | number): string {
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Streams the consent records as CSV, in order, with constant memory whatever their
 * number: rows come from a database cursor and wait for the client to keep up.
 */
export async function writeConsentsCsv(db: Db, filter: ExportFilter, out: Writable): Promise<number> {
  const { from, to } = range(filter);
  let query = db.selectFrom('consents').select(['id', 'account_id', 'document', 'policy_version', 'wording', 'method', 'accepted_at']).orderBy('accepted_at').orderBy('id');
  if (filter.document !== undefined) query = query.where('document', '=', filter.document);
  if (from !== undefined) query = query.where('accepted_at', '>=', from);
  if (to !== undefined) query = query.where('accepted_at', '<', to);
  const write = async (line: string) => {
    if (!out.write(line)) await once(out, 'drain');
  };
  await write(`${csvHeader.join(',')}\r\n`);
  let rows = 0;
  for await (const r of query.stream(500)) {
    await write(`${[r.id, r.account_id, r.document, r.policy_version, r.method, r.wording, r.accepted_at].map((v) => csvField(v as string | number)).join(',')}\r\n`);
    rows += 1;
  }
  return rows;
}
