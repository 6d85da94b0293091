import type { Entitlement } from '../meter/meter.module';

export interface SubscriptionState {
  readonly status: string;
  /** When the subscription entered its current status (for the past_due grace period). */
  readonly statusSince: string;
}

export interface PricedSubscriptionState extends SubscriptionState {
  readonly priceId: string | null;
}

export interface EntitlementGrant {
  readonly entitlement: Entitlement;
  /** Set when the grant lapses by itself (past_due grace); null while it lasts. */
  readonly validUntil: Date | null;
}

const dayMs = 24 * 60 * 60 * 1000;

/**
 * Stripe subscription status to entitlement: active and trialing are subscribers;
 * past_due stays one for `graceDays` after it began; everything else (canceled, unpaid,
 * incomplete, incomplete_expired, paused) is not.
 */
export function entitlementOfSubscription(state: SubscriptionState, now: Date, graceDays: number): EntitlementGrant {
  switch (state.status) {
    case 'active':
    case 'trialing':
      return { entitlement: 'subscriber', validUntil: null };
    case 'past_due': {
      const until = new Date(Date.parse(state.statusSince) + graceDays * dayMs);
      return until > now ? { entitlement: 'subscriber', validUntil: until } : { entitlement: 'none', validUntil: null };
    }
    default:
      return { entitlement: 'none', validUntil: null };
  }
}

/**
 * An account with several subscriptions is entitled by the most generous of them that is
 * for one of the publisher's plans (`offered`): a subscription to any other price of the
 * same Stripe account (another product, a price made by hand) entitles to nothing here.
 */
export function entitlementOfAccount(states: readonly PricedSubscriptionState[], now: Date, graceDays: number, offered: ReadonlySet<string>): EntitlementGrant {
  const grants = states
    .filter((s) => s.priceId !== null && offered.has(s.priceId))
    .map((s) => entitlementOfSubscription(s, now, graceDays)).filter((g) => g.entitlement === 'subscriber');
  if (grants.length === 0) return { entitlement: 'none', validUntil: null };
  if (grants.some((g) => g.validUntil === null)) return { entitlement: 'subscriber', validUntil: null };
  return { entitlement: 'subscriber', validUntil: new Date(Math.max(...grants.map((g) => g.validUntil!.getTime()))) };
}

/**
 * A group's member reads as a subscriber while the owner's subscription to a plan with
 * seats entitles the owner (the same rule, grace included), or while their own does:
 * the most generous of the two.
 */
export function entitlementWithGroup(
  own: readonly PricedSubscriptionState[],
  owners: readonly PricedSubscriptionState[],
  now: Date,
  graceDays: number,
  offered: ReadonlySet<string>,
  seated: ReadonlySet<string>,
): EntitlementGrant {
  const group = owners.filter((s) => s.priceId !== null && seated.has(s.priceId) && offered.has(s.priceId));
  return entitlementOfAccount([...own, ...group], now, graceDays, offered);
}
