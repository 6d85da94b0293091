import type { Writable } from 'node:stream';
import { once } from 'node:events';
import { z } from 'zod';
import { consentDocuments, type ConsentRange, type ExportedConsent } from './policies.repository';

const day = z.iso.date();
const instant = z.iso.datetime({ offset: true });
const bound = z
  .string()
  .trim()
  .refine((v) => day.safeParse(v).success || instant.safeParse(v).success, 'must be a date (2026-11-01) or an ISO-8601 date and time');

export const exportFilterSchema = z.object({
  document: z.enum(consentDocuments, { error: 'must be "terms", "privacy" or "newsletter"' }).optional(),
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
 * Writes one CSV line, waiting for the client when the socket's buffer is full; throws when
 * the client went away meanwhile, so that the caller closes its database cursor.
 */
export async function writeCsvLine(out: Writable, cells: readonly (string | number)[]): Promise<void> {
  if (out.destroyed) throw new Error('the client closed the download');
  if (!out.write(`${cells.map(csvField).join(',')}\r\n`)) await drained(out);
}

/** Resolves on 'drain', rejects on 'close' or 'error', and leaves no listener behind. */
function drained(out: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (error?: Error) => {
      out.off('drain', onDrain).off('close', onClose).off('error', settle);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onDrain = () => settle();
    const onClose = () => settle(new Error('the client closed the download'));
    out.on('drain', onDrain).on('close', onClose).on('error', settle);
  });
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
