import type Stripe from 'stripe';
import { z } from 'zod';
import type { Interval } from './price-format';

/** What Gatehouse keeps of a Stripe price object. */
export interface StripePrice {
  readonly id: string;
  /** In the currency's minor units; null for a price Stripe cannot state as one amount (tiers, pay what you want). */
  readonly amount: number | null;
  /** Lower case, as Stripe writes it. */
  readonly currency: string;
  /** Null for a one-off price (which a subscription cannot be sold at). */
  readonly interval: Interval | null;
  readonly intervalCount: number;
  readonly trialPeriodDays: number | null;
}

/** Stripe's answer checked at the edge: an odd object is a failure to load, never a price shown wrong. */
const priceObject = z.object({
  id: z.string(),
  currency: z.string().regex(/^[a-zA-Z]{3}$/),
  unit_amount: z.number().int().min(0).nullable().optional(),
  recurring: z
    .object({
      interval: z.enum(['day', 'week', 'month', 'year']),
      interval_count: z.number().int().min(1).max(1000).default(1),
      trial_period_days: z.number().int().min(0).max(10_000).nullable().optional(),
    })
    .nullable()
    .optional(),
});

export function parseStripePrice(value: unknown): StripePrice {
  const price = priceObject.parse(value);
  return {
    id: price.id,
    amount: price.unit_amount ?? null,
    currency: price.currency.toLowerCase(),
    interval: price.recurring?.interval ?? null,
    intervalCount: price.recurring?.interval_count ?? 1,
    trialPeriodDays: price.recurring?.trial_period_days ? price.recurring.trial_period_days : null,
  };
}

/** Where prices are read from (Stripe's API; a test's fake). */
export interface PriceSource {
  retrieve(priceId: string): Promise<StripePrice>;
}

/**
 * Prices through the app's Stripe client (so STRIPE_API_URL holds). No retries of the
 * client's own and a short timeout: the catalog retries on its own schedule, and nobody
 * but the very first wall view ever waits for this.
 */
export function stripePriceSource(stripe: Stripe, timeoutMs = 3_000): PriceSource {
  return {
    async retrieve(priceId) {
      return parseStripePrice(await stripe.prices.retrieve(priceId, {}, { timeout: timeoutMs, maxNetworkRetries: 0 }));
    },
  };
}
