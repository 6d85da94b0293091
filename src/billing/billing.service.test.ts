import type Stripe from 'stripe';
import pino from 'pino';
import { AppError } from '../http/app-error';
import { BillingService, checkoutExpiresAt, checkoutIdempotencyKey } from './billing.service';
import type { ApplyInput, ApplyResult, SubscriptionRecord } from './billing.repository';
import type { Plan } from './plans';
import type { LockedRead, Transact, Trx } from './subscription-lock';
import type { HeldAccount, HoldRequest } from './held-account';
import type { Db } from '../store/database';
import { buildMessages } from '../http/i18n';

const publicUrl = new URL('https://news.example');
const plan: Plan = { priceId: 'price_monthly', name: 'Monthly', description: '' };
const reader = { id: 'acc_1', email: 'reader@example.com' };

function record(overrides: Partial<SubscriptionRecord> = {}): SubscriptionRecord {
  return { id: 'sub_1', accountId: reader.id, customerId: 'cus_1', status: 'active', statusSince: '2026-11-01T00:00:00.000Z', priceId: plan.priceId, currentPeriodEnd: null, cancelAtPeriodEnd: false, ...overrides };
}

/** A Stripe error as the client throws it. */
function stripeError(statusCode: number, code?: string): Error {
  return Object.assign(new Error(`stripe ${statusCode}`), { statusCode, code });
}

/** Stripe with only the calls BillingService makes; `calls` lists them in order. */
function fakeStripe() {
  const calls: string[] = [];
  const state = {
    session: { id: 'cs_1', client_reference_id: reader.id as string | null, status: 'complete', subscription: 'sub_1' as string | null },
    subscription: { id: 'sub_1', customer: 'cus_1', status: 'active', metadata: {}, items: { data: [{ price: { id: plan.priceId } }] }, cancel_at_period_end: false },
    listed: [] as { id: string; status: string }[],
    listError: undefined as Error | undefined,
    deleteError: undefined as Error | undefined,
    createdSessions: [] as Record<string, unknown>[],
  };
  const client = {
    customers: {
      create: async () => (calls.push('customers.create'), { id: 'cus_new' }),
      del: async (id: string) => {
        calls.push(`customers.del ${id}`);
        if (state.deleteError) throw state.deleteError;
        return { id, deleted: true };
      },
    },
    checkout: {
      sessions: {
        create: async (params: Record<string, unknown>) => (calls.push('checkout.sessions.create'), state.createdSessions.push(params), { url: 'https://checkout.stripe.com/c/cs_1' }),
        retrieve: async () => (calls.push('checkout.sessions.retrieve'), state.session),
      },
    },
    billingPortal: { sessions: { create: async () => (calls.push('billingPortal.sessions.create'), { url: 'https://billing.stripe.com/p/1' }) } },
    subscriptions: {
      retrieve: async () => (calls.push('subscriptions.retrieve'), state.subscription),
      list: (params: { customer: string }) => ({
        autoPagingToArray: async () => {
          calls.push(`subscriptions.list ${params.customer}`);
          if (state.listError) throw state.listError;
          return state.listed;
        },
      }),
      cancel: async (id: string) => (calls.push(`subscriptions.cancel ${id}`), { id }),
      update: async (id: string, params: Record<string, unknown>) => (calls.push(`subscriptions.update ${id} ${JSON.stringify(params)}`), { id }),
    },
  };
  return { client: client as unknown as Stripe, calls, state };
}

/** Billing's tables in memory: customers by account, the accounts that exist, the subscriptions. */
function fakeRepository() {
  const customers = new Map<string, string>();
  const accounts = new Set<string>([reader.id]);
  const subscriptions: SubscriptionRecord[] = [];
  const applied: ApplyInput[] = [];
  /** Accounts with a subscription that was in a trial. */
  const trialled = new Set<string>();
  /** Subscriptions whose reader's trial another subscription took: applying one ends its trial. */
  const trialTakenElsewhere = new Set<string>();
  /** Events recorded before (seen as the subscription's lock is taken), and what each hold was asked. */
  const seenEvents = new Set<string>();
  const holds: HoldRequest[] = [];
  return {
    customers,
    accounts,
    subscriptions,
    applied,
    trialled,
    trialTakenElsewhere,
    seenEvents,
    holds,
    async hadTrial(accountId: string) {
      return trialled.has(accountId);
    },
    async customerOf(accountId: string) {
      return customers.get(accountId);
    },
    async keepCustomer(accountId: string, customerId: string) {
      if (!customers.has(accountId)) customers.set(accountId, customerId);
      return customers.get(accountId)!;
    },
    async subscriptionsOf(accountId: string) {
      return subscriptions.filter((s) => s.accountId === accountId);
    },
    async holdAccount(_db: Db, _lock: unknown, request: HoldRequest): Promise<HeldAccount> {
      holds.push(request);
      const owner = [...customers].find(([, c]) => c === request.customerId)?.[0];
      const account = request.customerId === undefined || owner === undefined ? undefined : { customerId: request.customerId, owner, exists: accounts.has(owner) };
      return { seen: request.eventId !== undefined && seenEvents.has(request.eventId), account };
    },
    async applySubscription(transact: Transact, input: ApplyInput, beforeCommit: (accountId: string, grant: { entitlement: 'subscriber'; validUntil: null }) => Promise<void>, endTrial: (id: string) => Promise<void>): Promise<ApplyResult> {
      return transact(async () => {
        const owner = [...customers].find(([, c]) => c === input.snapshot.customerId)?.[0];
        const accountId = owner ?? input.accountHint;
        if (accountId === undefined) return { outcome: 'unknown-customer', accountId, entitlementChanged: false };
        if (!accounts.has(accountId)) return { outcome: 'account-gone', accountId, entitlementChanged: false };
        applied.push(input);
        await beforeCommit(accountId, { entitlement: 'subscriber', validUntil: null });
        const trialEnded = trialTakenElsewhere.has(input.snapshot.id);
        if (trialEnded) await endTrial(input.snapshot.id);
        return { outcome: 'applied', accountId, entitlementChanged: true, trialEnded };
      });
    },
  };
}

/** `priceTrials`: the trial_period_days of prices, as Stripe would give them for plans without days of their own. */
function build(options: { stripe?: Stripe | undefined; plans?: Plan[]; priceTrials?: Record<string, number> } = {}) {
  const stripe = fakeStripe();
  const repository = fakeRepository();
  const log: string[] = [];
  let lockHeld: string | undefined;
  const lock = {
    async withSubscriptionLock<T, R>(subscriptionId: string, read: LockedRead<R>, fn: (transact: Transact, read: R) => Promise<T>): Promise<T> {
      lockHeld = subscriptionId;
      try {
        const held = await read({} as Db, undefined);
        return await fn((work) => (log.push(`transaction under lock ${String(lockHeld)}`), work({} as Trx)), held);
      } finally {
        lockHeld = undefined;
      }
    },
  };
  const plans = options.plans ?? [plan];
  const forgotten: string[] = [];
  const recorded: [string, string | undefined][] = [];
  const spent: string[] = [];
  const service = new BillingService({
    stripe: 'stripe' in options ? options.stripe : stripe.client,
    repository,
    plans: {
      list: async () => plans,
      listRecent: async () => plans,
      find: async (priceId: string) => plans.find((p) => p.priceId === priceId),
      listForDisplay: async () => [],
      trialDaysFor: async (p: Plan) => p.trialDays ?? options.priceTrials?.[p.priceId],
    },
    accounts: { findById: async (id: string) => (id === reader.id ? reader : undefined) },
    entitlementCache: {
      forgetEntitlement: async (accountId: string) => {
        forgotten.push(`${accountId}${lockHeld === undefined ? '' : ' under lock'}`);
      },
    },
    lock,
    throttle: { spend: async (accountId: string) => void spent.push(accountId) },
    logger: pino({ level: 'silent' }),
    publicUrl,
    graceDays: 7,
    funnel: { record: (stage, readerKey) => void recorded.push([stage, readerKey]) },
    clock: () => Date.UTC(2026, 11, 1, 9, 0),
    messages: buildMessages('en'),
  });
  return { service, stripe, repository, forgotten, recorded, spent, log };
}

async function statusOf(promise: Promise<unknown>): Promise<number> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  if (!(error instanceof AppError)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error.status;
}

describe('BillingService.startCheckout', () => {
  it('when the plan is not offered, then 400 before any call to Stripe', async () => {
    const { service, stripe } = build();
    expect(await statusOf(service.startCheckout(reader.id, 'price_other', '/'))).toBe(400);
    expect(stripe.calls).toEqual([]);
  });

  it('when billing is not configured, then 503 whatever the plan', async () => {
    const { service } = build({ stripe: undefined });
    expect(await statusOf(service.startCheckout(reader.id, plan.priceId, '/'))).toBe(503);
    expect(await statusOf(service.offeredPlan('price_other'))).toBe(503);
  });

  it('when the account has no customer yet, then one is made and kept; a second checkout reuses it', async () => {
    const { service, stripe, repository } = build();
    await service.startCheckout(reader.id, plan.priceId, '/');
    await service.startCheckout(reader.id, plan.priceId, '/');
    expect(stripe.calls.filter((c) => c === 'customers.create')).toHaveLength(1);
    expect(repository.customers.get(reader.id)).toBe('cus_new');
    expect(stripe.state.createdSessions.map((s) => s.customer)).toEqual(['cus_new', 'cus_new']);
  });

  it('when the account has a running subscription to a plan, then 409 and no session', async () => {
    const { service, stripe, repository } = build();
    repository.subscriptions.push(record({ status: 'past_due' }));
    expect(await statusOf(service.startCheckout(reader.id, plan.priceId, '/'))).toBe(409);
    expect(stripe.calls).toEqual([]);
  });

  it('when the running subscription is to a price that is no plan, then checkout goes ahead', async () => {
    const { service, repository } = build();
    repository.subscriptions.push(record({ priceId: 'price_by_hand' }));
    await expect(service.startCheckout(reader.id, plan.priceId, '/')).resolves.toBe('https://checkout.stripe.com/c/cs_1');
  });

  it('when the same checkout is asked for twice within half an hour, then the same idempotency key goes to Stripe; another plan, path or half hour gets another', () => {
    const at = Date.UTC(2026, 11, 1, 9, 0);
    const key = checkoutIdempotencyKey('acc-1', 'price_a', '/articles/x', at);
    expect(checkoutIdempotencyKey('acc-1', 'price_a', '/articles/x', at + 60_000)).toBe(key);
    expect(checkoutIdempotencyKey('acc-1', 'price_b', '/articles/x', at)).not.toBe(key);
    expect(checkoutIdempotencyKey('acc-1', 'price_a', '/articles/y', at)).not.toBe(key);
    expect(checkoutIdempotencyKey('acc-2', 'price_a', '/articles/x', at)).not.toBe(key);
    expect(checkoutIdempotencyKey('acc-1', 'price_a', '/articles/x', at + 30 * 60_000)).not.toBe(key);
  });

  it('when a checkout starts, then the success and cancel URLs come back to returnTo, the budget is spent and the funnel records it', async () => {
    const { service, stripe, spent, recorded } = build();
    await service.startCheckout(reader.id, plan.priceId, '/articles/a?x=1');
    const [session] = stripe.state.createdSessions;
    expect(session).toMatchObject({
      mode: 'subscription',
      client_reference_id: reader.id,
      line_items: [{ price: plan.priceId, quantity: 1 }],
      success_url: 'https://news.example/subscribe/success?returnTo=%2Farticles%2Fa%3Fx%3D1&session_id={CHECKOUT_SESSION_ID}',
      cancel_url: 'https://news.example/articles/a?x=1',
      expires_at: checkoutExpiresAt(Date.UTC(2026, 11, 1, 9, 0)),
    });
    expect(spent).toEqual([reader.id]);
    expect(recorded).toEqual([['checkout', `u:${reader.id}`]]);
  });
});

describe('BillingService.startCheckout with trials and promotion codes', () => {
  const trialPlan: Plan = { ...plan, trialDays: 14, allowPromotionCodes: true };

  it('when the plan has trial days and the reader never had a trial, then Checkout gets trial_period_days and allow_promotion_codes', async () => {
    const { service, stripe } = build({ plans: [trialPlan] });
    await service.startCheckout(reader.id, plan.priceId, '/');
    const [session] = stripe.state.createdSessions;
    expect(session).toMatchObject({ subscription_data: { metadata: { accountId: reader.id }, trial_period_days: 14 }, allow_promotion_codes: true });
  });

  it('when the reader had a trial before, then no trial, and promotion codes still as the plan says', async () => {
    const { service, stripe, repository } = build({ plans: [trialPlan] });
    repository.trialled.add(reader.id);
    await service.startCheckout(reader.id, plan.priceId, '/');
    const [session] = stripe.state.createdSessions as { subscription_data: Record<string, unknown>; allow_promotion_codes?: boolean }[];
    expect(session!.subscription_data).toEqual({ metadata: { accountId: reader.id } });
    expect(session!.allow_promotion_codes).toBe(true);
  });

  it('when the plan has no days of its own, then the price\'s trial_period_days are passed, and none without either', async () => {
    const withPriceTrial = build({ priceTrials: { [plan.priceId]: 7 } });
    await withPriceTrial.service.startCheckout(reader.id, plan.priceId, '/');
    expect(withPriceTrial.stripe.state.createdSessions[0]).toMatchObject({ subscription_data: { trial_period_days: 7 } });
    const plain = build();
    await plain.service.startCheckout(reader.id, plan.priceId, '/');
    const [session] = plain.stripe.state.createdSessions;
    expect(session).toMatchObject({ subscription_data: { metadata: { accountId: reader.id } } });
    expect((session as { subscription_data: object }).subscription_data).not.toHaveProperty('trial_period_days');
    expect(session).not.toHaveProperty('allow_promotion_codes');
  });

  it('when a trial is offered, then its session carries no return path (the reader\'s session keeps it) and expires with the key\'s half hour', async () => {
    const { service, stripe } = build({ plans: [trialPlan] });
    await service.startCheckout(reader.id, plan.priceId, '/articles/a');
    await service.startCheckout(reader.id, plan.priceId, '/articles/b');
    const [first, second] = stripe.state.createdSessions;
    expect(first).toMatchObject({
      success_url: 'https://news.example/subscribe/success?session_id={CHECKOUT_SESSION_ID}',
      cancel_url: 'https://news.example/subscribe?priceId=price_monthly',
      subscription_data: { trial_period_days: 14 },
    });
    // The same parameters from two articles: one idempotency key cannot meet two different requests.
    expect(second).toEqual(first);
  });

  it('when a session is made at any moment of a half hour, then it expires 31 to 61 minutes later, the same moment for the whole half hour', () => {
    const start = Date.UTC(2026, 11, 1, 9, 0);
    const end = start + 30 * 60_000 - 1;
    expect(checkoutExpiresAt(start)).toBe(checkoutExpiresAt(end));
    expect(checkoutExpiresAt(start) - start / 1000).toBe(61 * 60);
    expect(checkoutExpiresAt(end) * 1000 - end).toBe(31 * 60_000 + 1);
    expect(Number.isInteger(checkoutExpiresAt(start + 12_345))).toBe(true);
    expect(checkoutExpiresAt(end + 1)).toBe(checkoutExpiresAt(start) + 30 * 60);
  });

  it('when a trial is offered, then the return path is left out of the key; without a trial it is in it', () => {
    const at = Date.UTC(2026, 11, 1, 9, 0);
    const trial = { trialDays: 14, allowPromotionCodes: false };
    expect(checkoutIdempotencyKey('acc-1', 'price_a', '/x', at, trial)).toBe(checkoutIdempotencyKey('acc-1', 'price_a', '/y', at, trial));
    expect(checkoutIdempotencyKey('acc-1', 'price_a', '/x', at)).not.toBe(checkoutIdempotencyKey('acc-1', 'price_a', '/y', at));
  });

  it('when a trial is offered or not, or promotion codes change, then the idempotency key differs (no session is reused across terms)', () => {
    const at = Date.UTC(2026, 11, 1, 9, 0);
    const plain = checkoutIdempotencyKey('acc-1', 'price_a', '/x', at, { trialDays: undefined, allowPromotionCodes: false });
    const trial = checkoutIdempotencyKey('acc-1', 'price_a', '/x', at, { trialDays: 14, allowPromotionCodes: false });
    const promo = checkoutIdempotencyKey('acc-1', 'price_a', '/x', at, { trialDays: undefined, allowPromotionCodes: true });
    expect(new Set([plain, trial, promo, checkoutIdempotencyKey('acc-1', 'price_a', '/x', at, { trialDays: 7, allowPromotionCodes: false })]).size).toBe(4);
    expect(checkoutIdempotencyKey('acc-1', 'price_a', '/x', at + 60_000, { trialDays: 14, allowPromotionCodes: false })).toBe(trial);
    expect(checkoutIdempotencyKey('acc-1', 'price_a', '/x', at)).toBe(plain);
  });
});

describe('BillingService.completeCheckout', () => {
  it("when the session is someone else's, then 404 and nothing applied", async () => {
    const { service, stripe, repository } = build();
    stripe.state.session.client_reference_id = 'acc_other';
    expect(await statusOf(service.completeCheckout(reader.id, 'cs_1'))).toBe(404);
    expect(repository.applied).toEqual([]);
  });

  it('when Stripe does not know the session, then 404', async () => {
    const { service, stripe } = build();
    stripe.client.checkout.sessions.retrieve = (async () => {
      throw stripeError(404);
    }) as never;
    expect(await statusOf(service.completeCheckout(reader.id, 'cs_1'))).toBe(404);
  });

  it('when the session is not complete yet, then pending and nothing applied', async () => {
    const { service, stripe, repository } = build();
    stripe.state.session.status = 'open';
    await expect(service.completeCheckout(reader.id, 'cs_1')).resolves.toBe('pending');
    expect(repository.applied).toEqual([]);
  });

  it('when the session is complete, then its subscription is applied now and the funnel records the subscriber', async () => {
    const { service, repository, recorded } = build();
    await expect(service.completeCheckout(reader.id, 'cs_1')).resolves.toBe('complete');
    expect(repository.applied.map((a) => a.snapshot.id)).toEqual(['sub_1']);
    expect(recorded).toEqual([['subscribed', `u:${reader.id}`]]);
  });
});

describe('BillingService.syncSubscription', () => {
  const event = { id: 'evt_1', type: 'customer.subscription.updated' };

  it('when the customer is nobody\'s and no account is named, then unknown-customer and no cache dropped', async () => {
    const { service, forgotten } = build();
    await expect(service.syncSubscription('sub_1', { accountHint: undefined, event, customerId: 'cus_1' })).resolves.toBe('unknown-customer');
    expect(forgotten).toEqual([]);
  });

  it('when the account named was deleted, then account-gone and nothing applied', async () => {
    const { service, repository } = build();
    repository.accounts.clear();
    await expect(service.syncSubscription('sub_1', { accountHint: reader.id, event, customerId: 'cus_1' })).resolves.toBe('account-gone');
    expect(repository.applied).toEqual([]);
  });

  it("when it applies, then Stripe's state is written under the subscription's lock and the cached entitlement is dropped in and after the transaction", async () => {
    const { service, stripe, repository, forgotten, log, recorded } = build();
    repository.customers.set(reader.id, 'cus_1');
    await expect(service.syncSubscription('sub_1', { accountHint: undefined, event, customerId: 'cus_1' })).resolves.toBe('applied');
    expect(stripe.calls).toEqual(['subscriptions.retrieve']);
    expect(log).toEqual(['transaction under lock sub_1']);
    expect(repository.applied[0]).toMatchObject({ snapshot: { id: 'sub_1', customerId: 'cus_1', status: 'active', priceId: plan.priceId }, event, graceDays: 7, offered: new Set([plan.priceId]) });
    expect(forgotten).toEqual([`${reader.id} under lock`, reader.id]);
    // Only a finished Checkout is a funnel step, not every update.
    expect(recorded).toEqual([]);
  });

  it('when the subscription comes trialing while its reader\'s trial was taken by another, then its trial is ended at Stripe inside the apply', async () => {
    const { service, stripe, repository } = build();
    repository.customers.set(reader.id, 'cus_1');
    repository.trialTakenElsewhere.add('sub_1');
    await expect(service.syncSubscription('sub_1', { accountHint: undefined, event, customerId: 'cus_1' })).resolves.toBe('applied');
    expect(stripe.calls).toEqual(['subscriptions.retrieve', 'subscriptions.update sub_1 {"trial_end":"now"}']);
  });

  it('when the subscription is its reader\'s only trial, then Stripe is not asked to change it', async () => {
    const { service, stripe, repository } = build();
    repository.customers.set(reader.id, 'cus_1');
    await service.syncSubscription('sub_1', { accountHint: undefined, event, customerId: 'cus_1' });
    expect(stripe.calls.filter((c) => c.startsWith('subscriptions.update'))).toEqual([]);
  });

  it('when the event was recorded before (seen as the lock is taken), then it is a duplicate, Stripe is not asked and nothing is applied', async () => {
    const { service, stripe, repository } = build();
    repository.customers.set(reader.id, 'cus_1');
    repository.seenEvents.add(event.id);
    await expect(service.syncSubscription('sub_1', { accountHint: reader.id, event, customerId: 'cus_1' })).resolves.toBe('duplicate');
    expect(repository.holds).toEqual([{ eventId: event.id, customerId: 'cus_1' }]);
    expect(stripe.calls).toEqual([]);
    expect(repository.applied).toEqual([]);
  });

  it("when the event names another customer than the subscription's, then the lock is taken again with the subscription's own and Stripe read again before anything is applied", async () => {
    const { service, stripe, repository } = build();
    repository.customers.set(reader.id, 'cus_1');
    // Another reader's customer: its owner's account is what the first hold locks.
    repository.customers.set('another-reader', 'cus_someone_else');
    await expect(service.syncSubscription('sub_1', { accountHint: undefined, event, customerId: 'cus_someone_else' })).resolves.toBe('applied');
    expect(repository.holds.map((h) => h.customerId)).toEqual(['cus_someone_else', 'cus_1']);
    expect(stripe.calls).toEqual(['subscriptions.retrieve', 'subscriptions.retrieve']);
    expect(repository.applied).toHaveLength(1);
  });

  it('when no account is named, then the subscription\'s metadata names it', async () => {
    const { service, stripe, repository } = build();
    stripe.state.subscription.metadata = { accountId: reader.id };
    await expect(service.syncSubscription('sub_1', { accountHint: undefined, event, customerId: 'cus_1' })).resolves.toBe('applied');
    expect(repository.applied[0]!.accountHint).toBe(reader.id);
  });
});

describe('BillingService.closeCustomer', () => {
  it('when the account has no customer, then nothing is asked of Stripe', async () => {
    const { service, stripe } = build();
    await service.closeCustomer(reader.id);
    expect(stripe.calls).toEqual([]);
  });

  it("when it has one, then Stripe's list is read, only live subscriptions are cancelled, and the customer is deleted", async () => {
    const { service, stripe, repository } = build();
    repository.customers.set(reader.id, 'cus_1');
    stripe.state.listed = [
      { id: 'sub_live', status: 'active' },
      { id: 'sub_due', status: 'past_due' },
      { id: 'sub_over', status: 'canceled' },
      { id: 'sub_expired', status: 'incomplete_expired' },
    ];
    await service.closeCustomer(reader.id);
    expect(stripe.calls).toEqual(['subscriptions.list cus_1', 'subscriptions.cancel sub_live', 'subscriptions.cancel sub_due', 'customers.del cus_1']);
  });

  it('when the customer is gone at Stripe already, then it is no error', async () => {
    const { service, stripe, repository } = build();
    repository.customers.set(reader.id, 'cus_1');
    stripe.state.listError = stripeError(404, 'resource_missing');
    await expect(service.closeCustomer(reader.id)).resolves.toBeUndefined();
    stripe.state.listError = undefined;
    stripe.state.deleteError = stripeError(404, 'resource_missing');
    await expect(service.closeCustomer(reader.id)).resolves.toBeUndefined();
  });

  it('when Stripe cannot be reached, then it throws', async () => {
    const { service, stripe, repository } = build();
    repository.customers.set(reader.id, 'cus_1');
    stripe.state.listError = stripeError(500);
    await expect(service.closeCustomer(reader.id)).rejects.toThrow('stripe 500');
  });

  it('when billing is not configured but the account has a customer, then it throws', async () => {
    const { service, repository } = build({ stripe: undefined });
    repository.customers.set(reader.id, 'cus_1');
    await expect(service.closeCustomer(reader.id)).rejects.toThrow('without Stripe keys');
  });
});

describe('BillingService.accountSummary', () => {
  it("when the account has a subscription, then the plan's name, else the price id", async () => {
    const { service, repository } = build();
    repository.customers.set(reader.id, 'cus_1');
    repository.subscriptions.push(record());
    await expect(service.accountSummary(reader.id)).resolves.toEqual({ configured: true, hasCustomer: true, subscription: record(), planName: 'Monthly' });
    repository.subscriptions[0] = record({ priceId: 'price_gone' });
    expect((await service.accountSummary(reader.id)).planName).toBe('price_gone');
  });

  it('when the account has nothing, then no customer, no subscription, no plan', async () => {
    const { service } = build({ stripe: undefined });
    await expect(service.accountSummary(reader.id)).resolves.toEqual({ configured: false, hasCustomer: false, subscription: undefined, planName: undefined });
  });
});
