import type Stripe from 'stripe';
import { idOf } from './stripe-id';
import type { SubscriptionSnapshot } from './billing.repository';

/** Reads the fields Gatehouse keeps from a Stripe subscription (period end sits on items since 2025). */
export function snapshotOf(subscription: Stripe.Subscription): SubscriptionSnapshot {
  const item = subscription.items?.data?.[0] as (Stripe.SubscriptionItem & { current_period_end?: number }) | undefined;
  const legacyEnd = (subscription as unknown as { current_period_end?: number }).current_period_end;
  const periodEnd = item?.current_period_end ?? legacyEnd;
  return {
    id: subscription.id,
    customerId: idOf(subscription.customer)!,
    status: subscription.status,
    priceId: item?.price?.id ?? null,
    currentPeriodEnd: typeof periodEnd === 'number' ? new Date(periodEnd * 1000).toISOString() : null,
    cancelAtPeriodEnd: subscription.cancel_at_period_end === true,
    // Stripe keeps trial_start and trial_end after the trial: a subscription that had one says so for good.
    hadTrial: subscription.status === 'trialing' || typeof subscription.trial_start === 'number' || typeof subscription.trial_end === 'number',
  };
}
