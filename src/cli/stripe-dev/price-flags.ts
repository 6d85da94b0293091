import { z } from 'zod';
import type { PriceSpec } from './stripe-objects';

/** What the dev server sells when no --price is given: a month and a year. */
export const defaultPrices: readonly PriceSpec[] = [
  { id: 'price_dev_monthly', nickname: 'Monthly', unitAmount: 500, interval: 'month', currency: 'eur', trialDays: null },
  { id: 'price_dev_yearly', nickname: 'Yearly', unitAmount: 5000, interval: 'year', currency: 'eur', trialDays: null },
];

export const priceFlagFormat = 'id:nickname:amount:interval[:currency[:trial_days]], e.g. price_dev_monthly:Monthly:500:month:eur:14';

const priceFields = z.tuple([
  z.string().regex(/^price_[A-Za-z0-9_]{1,100}$/, 'the id starts with price_ and has only letters, digits and _'),
  z.string().min(1, 'the nickname is empty').max(100),
  z.coerce.number().int('the amount is in cents, a whole number').min(0).max(99_999_999),
  z.enum(['day', 'week', 'month', 'year'], 'the interval is day, week, month or year'),
  z.string().regex(/^[a-z]{3}$/, 'the currency is three letters, e.g. eur').default('eur'),
  z.coerce.number().int().min(1).max(730).nullable().default(null),
]);

/** One `--price` flag, or the reason it is not one. */
export function parsePriceFlag(flag: string): PriceSpec | string {
  const parts = flag.split(':');
  if (parts.length < 4 || parts.length > 6) return `--price ${flag}: expected ${priceFlagFormat}`;
  const parsed = priceFields.safeParse([parts[0], parts[1], parts[2], parts[3], parts[4]?.toLowerCase() || undefined, parts[5] || undefined]);
  if (!parsed.success) return `--price ${flag}: ${parsed.error.issues.map((i) => i.message).join('; ')}`;
  const [id, nickname, unitAmount, interval, currency, trialDays] = parsed.data;
  return { id, nickname, unitAmount, interval, currency, trialDays };
}

/** The flags' prices (the defaults when none), or every problem with them. */
export function pricesOf(flags: readonly string[]): { prices: PriceSpec[] } | { problems: string[] } {
  if (flags.length === 0) return { prices: [...defaultPrices] };
  const parsed = flags.map(parsePriceFlag);
  const problems = parsed.filter((p): p is string => typeof p === 'string');
  const prices = parsed.filter((p): p is PriceSpec => typeof p !== 'string');
  const ids = prices.map((p) => p.id);
  const repeated = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (repeated.length > 0) problems.push(`--price ${repeated[0]} is given twice`);
  return problems.length > 0 ? { problems } : { prices };
}
