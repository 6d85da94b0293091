import { z } from 'zod';
import { addDays, dayOf, type Day } from './funnel';

const maxDays = 366;
const defaultDays = 30;

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD')
  .refine((value) => {
    const ms = Date.parse(`${value}T00:00:00Z`);
    return !Number.isNaN(ms) && dayOf(ms) === value;
  }, 'is not a calendar date');

const rangeSchema = z.object({ from: day.optional(), to: day.optional() });

export type FunnelRange = { readonly from: Day; readonly to: Day };

/** The last 30 UTC days, today included. */
export function defaultFunnelRange(nowMs: number): FunnelRange {
  const to = dayOf(nowMs);
  return { from: addDays(to, -(defaultDays - 1)), to };
}

/**
 * `from` and `to` as the admin gives them (both optional, inclusive, UTC days): the last
 * 30 days by default, at most 366 days. Field errors name the parameter.
 */
export function parseFunnelRange(query: unknown, nowMs: number): { ok: true; value: FunnelRange } | { ok: false; fields: Record<string, string> } {
  const input = typeof query === 'object' && query !== null ? query : {};
  const picked = Object.fromEntries(['from', 'to'].filter((k) => k in input && (input as Record<string, unknown>)[k] !== '').map((k) => [k, (input as Record<string, unknown>)[k]]));
  const parsed = rangeSchema.safeParse(picked);
  if (!parsed.success) {
    const fields: Record<string, string> = {};
    for (const issue of parsed.error.issues) fields[String(issue.path[0] ?? 'range')] ??= issue.message;
    return { ok: false, fields };
  }
  const { from: givenFrom, to: givenTo } = parsed.data;
  if (givenFrom === undefined && givenTo === undefined) return { ok: true, value: defaultFunnelRange(nowMs) };
  const to = givenTo ?? minDay(addDays(givenFrom!, defaultDays - 1), dayOf(nowMs));
  const from = givenFrom ?? addDays(to, -(defaultDays - 1));
  if (from > to) return { ok: false, fields: { from: 'must not be after to' } };
  if (addDays(from, maxDays - 1) < to) return { ok: false, fields: { to: `must be at most ${maxDays} days after from` } };
  return { ok: true, value: { from, to } };
}

function minDay(a: Day, b: Day): Day {
  return a < b ? a : b;
}
