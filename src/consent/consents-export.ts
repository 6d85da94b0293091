import type { Writable } from 'node:stream';
import { once } from 'node:events';
import { z } from 'zod';
import { policyDocuments, type ConsentRange, type ExportedConsent } from './policies.repository';

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
export function rangeOf(filter: ExportFilter): ConsentRange {
  const from = filter.from === undefined ? undefined : new Date(filter.from).toISOString();
  let to: string | undefined;
  if (filter.to !== undefined) {
    const end = new Date(filter.to);
    if (day.safeParse(filter.to).success) end.setUTCDate(end.getUTCDate() + 1);
    to = end.toISOString();
  }
  return { document: filter.document, from, to };
}

export const csvHeader = ['consent_id', 'account_id', 'document', 'version', 'method', 'wording', 'accepted_at'];

/** RFC 4180 quoting, and a leading apostrophe against spreadsheet formula injection. */
export function csvField(value: string | number): string {
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Writes the consent records as CSV, in order, with constant memory whatever their
 * number: rows come from a database cursor and wait for the client to keep up.
 */
export async function writeConsentsCsv(records: AsyncIterable<ExportedConsent>, out: Writable): Promise<number> {
  const write = async (line: string) => {
    if (!out.write(line)) await once(out, 'drain');
  };
  await write(`${csvHeader.join(',')}\r\n`);
  let rows = 0;
  for await (const r of records) {
    await write(`${[r.id, r.accountId, r.document, r.policyVersion, r.method, r.wording, r.acceptedAt].map(csvField).join(',')}\r\n`);
    rows += 1;
  }
  return rows;
}
