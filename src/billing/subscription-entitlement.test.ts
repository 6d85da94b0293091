import { entitlementOfAccount, entitlementOfSubscription, entitlementWithGroup } from './subscription-entitlement';

const now = new Date('2026-11-27T12:00:00Z');
const since = (daysAgo: number) => new Date(now.getTime() - daysAgo * 86_400_000).toISOString();

describe('entitlementOfSubscription', () => {
  it.each(['active', 'trialing'])('when the status is %s, then a subscriber with no end', (status) => {
    expect(entitlementOfSubscription({ status, statusSince: since(40) }, now, 7)).toEqual({ entitlement: 'subscriber', validUntil: null });
  });

  it.each(['canceled', 'unpaid', 'incomplete', 'incomplete_expired', 'paused', 'something_new'])('when the status is %s, then not a subscriber', (status) => {
    expect(entitlementOfSubscription({ status, statusSince: since(0) }, now, 7).entitlement).toBe('none');
  });

  it('when past_due within the grace period, then still a subscriber until it ends', () => {
    expect(entitlementOfSubscription({ status: 'past_due', statusSince: since(2) }, now, 7)).toEqual({
      entitlement: 'subscriber',
      validUntil: new Date(Date.parse(since(2)) + 7 * 86_400_000),
    });
  });

  it('when past_due beyond the grace period, then not a subscriber', () => {
    expect(entitlementOfSubscription({ status: 'past_due', statusSince: since(8) }, now, 7).entitlement).toBe('none');
    expect(entitlementOfSubscription({ status: 'past_due', statusSince: since(0) }, now, 0).entitlement).toBe('none');
  });
});

describe('entitlementOfAccount', () => {
  const plan = 'price_monthly';
  const offered = new Set([plan]);
  it('when one of several subscriptions is active, then a subscriber', () => {
    expect(entitlementOfAccount([{ status: 'canceled', statusSince: since(1), priceId: plan }, { status: 'active', statusSince: since(1), priceId: plan }], now, 7, offered).entitlement).toBe('subscriber');
  });
  it('when the only active subscription is for a price that is not a configured plan, then not a subscriber', () => {
    expect(entitlementOfAccount([{ status: 'active', statusSince: since(1), priceId: 'price_other_product' }, { status: 'active', statusSince: since(1), priceId: null }], now, 7, offered)).toEqual({ entitlement: 'none', validUntil: null });
    expect(entitlementOfAccount([{ status: 'active', statusSince: since(1), priceId: 'price_other_product' }, { status: 'past_due', statusSince: since(1), priceId: plan }], now, 7, offered).validUntil).not.toBeNull();
  });
  it('when only grace periods remain, then the longest one counts', () => {
    const grant = entitlementOfAccount([{ status: 'past_due', statusSince: since(1), priceId: plan }, { status: 'past_due', statusSince: since(5), priceId: plan }], now, 7, offered);
    expect(grant.validUntil?.toISOString()).toBe(new Date(Date.parse(since(1)) + 7 * 86_400_000).toISOString());
  });
  it('when there is no subscription, then not a subscriber', () => {
    expect(entitlementOfAccount([], now, 7, offered)).toEqual({ entitlement: 'none', validUntil: null });
  });
});

describe('a group member\'s entitlement', () => {
  const now = new Date('2026-06-01T00:00:00Z');
  const since = (days: number) => new Date(now.getTime() - days * 24 * 60 * 60 * 1000).toISOString();
  const offered = new Set(['price_team', 'price_solo']);
  const seated = new Set(['price_team']);

  it('when the owner\'s subscription to a plan with seats runs (or is in its grace), then the member is a subscriber; to a plan without seats, not', () => {
    expect(entitlementWithGroup([], [{ status: 'active', statusSince: since(1), priceId: 'price_team' }], now, 7, offered, seated).entitlement).toBe('subscriber');
    expect(entitlementWithGroup([], [{ status: 'past_due', statusSince: since(1), priceId: 'price_team' }], now, 7, offered, seated).validUntil).toEqual(new Date(Date.parse(since(1)) + 7 * 24 * 60 * 60 * 1000));
    expect(entitlementWithGroup([], [{ status: 'active', statusSince: since(1), priceId: 'price_solo' }], now, 7, offered, seated).entitlement).toBe('none');
    expect(entitlementWithGroup([], [{ status: 'canceled', statusSince: since(1), priceId: 'price_team' }], now, 7, offered, seated).entitlement).toBe('none');
  });

  it('when the member has a running subscription of their own, then it counts whatever the group\'s state', () => {
    const own = [{ status: 'active', statusSince: since(1), priceId: 'price_solo' }];
    expect(entitlementWithGroup(own, [{ status: 'canceled', statusSince: since(1), priceId: 'price_team' }], now, 7, offered, seated)).toEqual({ entitlement: 'subscriber', validUntil: null });
  });
});
