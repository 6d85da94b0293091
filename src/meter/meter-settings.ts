import { z } from 'zod';
import { documentFieldErrorsOf } from '../http/validation';
import { accessLevels } from './access';

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

const wholeNumber = (min: number, max?: number) => {
  const base = z.number({ error: 'must be a whole number' }).int('must be a whole number').min(min, min === 0 ? 'must be 0 or more' : `must be at least ${min}`);
  return max === undefined ? base : base.max(max, `must be at most ${max}`);
};

export const crawlerNames = ['googlebot', 'bingbot'] as const;

// Later additions take their default when absent, so a client written before them can still
// PUT a whole document; the original fields stay required.
const gifts = z
  .object({ perMonth: wholeNumber(0).default(10), linkDays: wholeNumber(1).default(14), linkReaders: wholeNumber(1).default(100) }, { error: 'must be {"perMonth": …, "linkDays": …, "linkReaders": …}' })
  .strict();

const limit = z.number({ error: 'must be a whole number' }).int('must be a whole number').min(0, 'must be 0 or more').max(10_000, 'must be at most 10000');

export const meterSettingsSchema = z
  .object({
    anonymousLimit: limit,
    registeredLimit: limit,
    period: z.discriminatedUnion(
      'kind',
      [
        z.object({
          kind: z.literal('calendar-month'),
          timeZone: z.string({ error: 'must be an IANA time zone such as Europe/Paris' }).refine(isTimeZone, 'must be an IANA time zone such as Europe/Paris'),
        }).strict(),
        z.object({
          kind: z.literal('rolling'),
          days: z.number({ error: 'must be a whole number of days' }).int('must be a whole number of days').min(1, 'must be at least 1').max(366, 'must be at most 366'),
        }).strict(),
      ],
      { error: 'must be {"kind": "calendar-month", "timeZone": …} or {"kind": "rolling", "days": …}' },
    ),
    teaserParagraphs: z.number({ error: 'must be a whole number' }).int('must be a whole number').min(0, 'must be 0 or more').max(50, 'must be at most 50'),
    onStoreFailure: z.enum(['open', 'closed'], { error: 'must be "open" or "closed"' }),
    // New anonymous reader ids one network gets per day before its new readers meet the
    // registration wall; 0 turns the bound off. Everyone behind one shared address (an
    // office, a school, a carrier NAT) shares it: a low bound walls off their new readers
    // sooner, a high one lets a reader who clears cookies read on longer.
    newReadersPerNetwork: wholeNumber(0, 1_000_000).default(20),
    crawlers: z
      .array(z.enum(crawlerNames, { error: 'must be "googlebot" or "bingbot"' }), { error: 'must be a list of "googlebot" and "bingbot"' })
      .refine((list) => new Set(list).size === list.length, 'must not name a crawler twice')
      .default([...crawlerNames]),
    gifts: gifts.default({ perMonth: 10, linkDays: 14, linkReaders: 100 }),
    sections: z.record(
      z.string().regex(/^[a-z0-9][a-z0-9-]{0,127}$/, 'section names are lower-case letters, digits and hyphens'),
      z.enum(accessLevels, { error: 'must be "free", "metered" or "premium"' }),
      { error: 'must be an object of section name to "free", "metered" or "premium"' },
    ),
  })
  .strict();

export type MeterSettings = z.infer<typeof meterSettingsSchema>;
export type MeterPeriod = MeterSettings['period'];

export const defaultMeterSettings: MeterSettings = Object.freeze({
  anonymousLimit: 3,
  registeredLimit: 10,
  period: { kind: 'calendar-month', timeZone: 'UTC' },
  teaserParagraphs: 2,
  onStoreFailure: 'open',
  newReadersPerNetwork: 20,
  crawlers: ['googlebot', 'bingbot'],
  gifts: { perMonth: 10, linkDays: 14, linkReaders: 100 },
  sections: {},
}) as MeterSettings;

export type FieldErrors = Record<string, string>;

/** Parses a whole settings document; on failure, one message per bad field (dotted path). */
export function parseMeterSettings(input: unknown): { ok: true; value: MeterSettings } | { ok: false; fields: FieldErrors } {
  const result = meterSettingsSchema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, fields: documentFieldErrorsOf(result.error, input, 'is not a meter setting') };
}
