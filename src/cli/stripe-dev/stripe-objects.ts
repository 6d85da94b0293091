import { randomBytes } from 'node:crypto';

/**
 * Objects shaped as Stripe's API answers them (API version 2026-10-28: the period end sits
 * on subscription items, an invoice names its subscription under parent.subscription_details).
 * Plain records: they are sent as JSON, kept in a file, and compared by the tests.
 */
export type StripeObject = Record<string, unknown>;

export const apiVersion = '2026-10-28.endive';

/** The one product every dev price belongs to. */
export const devProductId = 'prod_gatehouse_dev';

export type Interval = 'day' | 'week' | 'month' | 'year';

/** What a publisher says of a price: `--price price_dev_monthly:Monthly:500:month`. */
export interface PriceSpec {
  readonly id: string;
  readonly nickname: string | null;
  /** In the currency's smallest unit (cents). */
  readonly unitAmount: number;
  readonly interval: Interval;
  readonly currency: string;
  readonly trialDays: number | null;
}

/** A Stripe-looking id: the prefix, then random letters and digits (no `-`, as Stripe's). */
export function stripeId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('base64url').replace(/[-]/g, 'x')}`;
}

export function priceObject(spec: PriceSpec, created: number): StripeObject {
  return {
    id: spec.id,
    object: 'price',
    active: true,
    billing_scheme: 'per_unit',
    created,
    currency: spec.currency,
    custom_unit_amount: null,
    livemode: false,
    lookup_key: null,
    metadata: {},
    nickname: spec.nickname,
    product: devProductId,
    recurring: { interval: spec.interval, interval_count: 1, meter: null, trial_period_days: spec.trialDays, usage_type: 'licensed' },
    tax_behavior: 'unspecified',
    tiers_mode: null,
    transform_quantity: null,
    type: 'recurring',
    unit_amount: spec.unitAmount,
    unit_amount_decimal: String(spec.unitAmount),
  };
}

/**
 * The end of one interval from `start` (seconds), in calendar terms as Stripe bills: a month
 * from 31 January ends on the last day of February, not in March.
 */
export function periodEnd(start: number, interval: Interval): number {
  const date = new Date(start * 1000);
  if (interval === 'day' || interval === 'week') {
    date.setUTCDate(date.getUTCDate() + (interval === 'day' ? 1 : 7));
    return Math.floor(date.getTime() / 1000);
  }
  const day = date.getUTCDate();
  date.setUTCDate(1);
  if (interval === 'month') date.setUTCMonth(date.getUTCMonth() + 1);
  else date.setUTCFullYear(date.getUTCFullYear() + 1);
  const lastDay = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();
  date.setUTCDate(Math.min(day, lastDay));
  return Math.floor(date.getTime() / 1000);
}

export function subscriptionItems(subscriptionId: string, price: StripeObject, start: number, end: number): StripeObject {
  return {
    object: 'list',
    data: [{ id: stripeId('si'), object: 'subscription_item', subscription: subscriptionId, quantity: 1, current_period_start: start, current_period_end: end, price }],
    has_more: false,
    url: `/v1/subscription_items?subscription=${subscriptionId}`,
  };
}

export function invoiceObject(subscription: StripeObject, status: 'paid' | 'open', created: number, billingReason = 'subscription_cycle'): StripeObject {
  const item = ((subscription.items as { data?: StripeObject[] } | undefined)?.data ?? [])[0];
  const price = item?.price as StripeObject | undefined;
  const amount = typeof price?.unit_amount === 'number' ? price.unit_amount : 0;
  return {
    id: stripeId('in'),
    object: 'invoice',
    customer: subscription.customer,
    status,
    currency: price?.currency ?? 'eur',
    amount_due: amount,
    amount_paid: status === 'paid' ? amount : 0,
    amount_remaining: status === 'paid' ? 0 : amount,
    billing_reason: billingReason,
    hosted_invoice_url: null,
    parent: { type: 'subscription_details', subscription_details: { subscription: subscription.id, metadata: {} }, quote_details: null },
    livemode: false,
    created,
  };
}

export function eventObject(type: string, object: StripeObject, created: number, extra: { id?: string; previousAttributes?: StripeObject } = {}): StripeObject {
  return {
    id: extra.id ?? stripeId('evt'),
    object: 'event',
    api_version: apiVersion,
    created,
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    data: { object: structuredClone(object), ...(extra.previousAttributes ? { previous_attributes: extra.previousAttributes } : {}) },
  };
}

/** A Checkout Session as the API shows it: without what the server keeps for itself. */
export function publicSession(session: StripeObject): StripeObject {
  const { priceId: _p, subscriptionMetadata: _m, trialDays: _t, ...rest } = session;
  return rest;
}
