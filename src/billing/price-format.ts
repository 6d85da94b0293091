/** How a reader reads a Stripe price: "€5.00 per month", "€50.00 every 2 years". */

export type Interval = 'day' | 'week' | 'month' | 'year';

/**
 * Currencies whose Stripe amounts are whole units (Stripe's list, not ISO's: Stripe counts
 * ISK, HUF and TWD in hundredths although ISO gives them fewer decimals).
 */
const zeroDecimal = new Set(['bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf']);
const threeDecimal = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd']);

/** How many of Stripe's minor units make one of the currency's units. */
export function minorUnitsPerUnit(currency: string): number {
  const code = currency.toLowerCase();
  return zeroDecimal.has(code) ? 1 : threeDecimal.has(code) ? 1000 : 100;
}

/**
 * Built once per currency and locale: an Intl.NumberFormat costs tens of microseconds to
 * make, and a wall view formats each plan. Bounded by the plans' currencies.
 */
const formats = new Map<string, Intl.NumberFormat>();

function formatFor(currency: string, locale: string): Intl.NumberFormat {
  const key = `${locale}|${currency}`;
  let format = formats.get(key);
  if (format === undefined) {
    format = new Intl.NumberFormat(locale, { style: 'currency', currency: currency.toUpperCase() });
    if (formats.size >= 200) formats.clear();
    formats.set(key, format);
  }
  return format;
}

/** An amount in Stripe's minor units as the reader reads it: "€5.00", "¥500", "KWD 1.500". */
export function formatAmount(amount: number, currency: string, locale = 'en'): string {
  const units = amount / minorUnitsPerUnit(currency);
  try {
    return formatFor(currency, locale).format(units);
  } catch {
    // A code Intl does not know (Stripe has none such today): the number and the code.
    return `${units} ${currency.toUpperCase()}`;
  }
}

const unitWords: Record<Interval, { one: string; other: string }> = {
  day: { one: 'day', other: 'days' },
  week: { one: 'week', other: 'weeks' },
  month: { one: 'month', other: 'months' },
  year: { one: 'year', other: 'years' },
};

/** "per month", "every 2 years". */
export function intervalWords(interval: Interval, count: number): string {
  return count === 1 ? `per ${unitWords[interval].one}` : `every ${count} ${unitWords[interval].other}`;
}

/** "€5.00 per month", "€50.00 every 2 years". */
export function formatRecurringPrice(price: { amount: number; currency: string; interval: Interval; intervalCount: number }, locale = 'en'): string {
  return `${formatAmount(price.amount, price.currency, locale)} ${intervalWords(price.interval, price.intervalCount)}`;
}

/** "Free for 14 days, then €5.00 per month"; "Free for 1 day" when the price is not known. */
export function formatTrialOffer(trialDays: number, then: string | undefined): string {
  const free = `Free for ${trialDays} ${trialDays === 1 ? 'day' : 'days'}`;
  return then === undefined ? free : `${free}, then ${then}`;
}
