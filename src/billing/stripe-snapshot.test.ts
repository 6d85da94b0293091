import type Stripe from 'stripe';
import { snapshotOf } from './stripe-snapshot';

const subscription = (fields: Record<string, unknown>) => ({ id: 'sub_1', customer: 'cus_1', status: 'active', cancel_at_period_end: false, items: { data: [{ price: { id: 'price_m' }, current_period_end: 1_800_000_000 }] }, trial_start: null, trial_end: null, ...fields }) as unknown as Stripe.Subscription;

describe('snapshotOf: had a trial', () => {
  it.each([
    ['trialing now', { status: 'trialing' }, true],
    ['active after a trial (trial_end kept by Stripe)', { status: 'active', trial_start: 1_700_000_000, trial_end: 1_701_209_600 }, true],
    ['canceled after a trial', { status: 'canceled', trial_end: 1_701_209_600 }, true],
    ['active, never in a trial', { status: 'active' }, false],
    ['past due, never in a trial', { status: 'past_due' }, false],
  ])('when the subscription is %s, then hadTrial is %p', (_what, fields, hadTrial) => {
    expect(snapshotOf(subscription(fields)).hadTrial).toBe(hadTrial);
  });
});
