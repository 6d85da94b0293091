import type { StripeObject } from './stripe-objects';

/** An amount in the currency's smallest unit, as a reader reads it: "€5.00", "¥500". */
export function formatAmount(amount: number, currency: string): string {
  try {
    const format = new Intl.NumberFormat('en', { style: 'currency', currency: currency.toUpperCase() });
    return format.format(amount / 10 ** (format.resolvedOptions().maximumFractionDigits ?? 2));
  } catch {
    return `${amount} ${currency}`;
  }
}

/** "€5.00 per month", from a price object. */
export function describePrice(price: StripeObject): string {
  const amount = formatAmount(Number(price.unit_amount ?? 0), String(price.currency ?? 'eur'));
  const recurring = price.recurring as { interval?: string } | null | undefined;
  return recurring?.interval ? `${amount} per ${recurring.interval}` : amount;
}

/** The name a reader sees for a price: its nickname, else its id. */
export function priceName(price: StripeObject): string {
  return typeof price.nickname === 'string' && price.nickname !== '' ? price.nickname : String(price.id);
}

export function trialDaysOf(price: StripeObject): number | null {
  const days = (price.recurring as { trial_period_days?: unknown } | null | undefined)?.trial_period_days;
  return typeof days === 'number' && days > 0 ? days : null;
}

/** A date from Stripe's seconds, in words: "3 March 2027". */
export function formatDay(seconds: number): string {
  return new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(seconds * 1000));
}
