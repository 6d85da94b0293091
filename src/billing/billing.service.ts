import type { Clock } from '../config/clock';
import { createHash } from 'node:crypto';
import type Stripe from 'stripe';
import type { Logger } from 'pino';
import { idOf } from './stripe-id';
import { AppError } from '../http/app-error';
import type { Messages } from '../http/i18n';
import type { FunnelSink } from '../funnel/funnel.module';
import { readerKeyOf } from '../meter/meter.module';
import type { ApplyOutcome, BillingRepository, SubscriptionRecord } from './billing.repository';
import type { SubscriptionLock } from './subscription-lock';
import type { HoldRequest } from './held-account';
import type { StripeCallThrottle } from './stripe-call-throttle';
import type { Plan, PlansService } from './plans';
import type { PlanDisplay } from './plan-display';
import type { AccountLookup, EntitlementCache } from './ports';
import { snapshotOf } from './stripe-snapshot';
import { endStripeCustomer } from './stripe-customer';

const checkoutWindowMs = 30 * 60 * 1000;
/** Stripe's shortest Checkout life is 30 minutes from its creation; one more for the clocks' difference. */
const checkoutLeastLifeS = 31 * 60;

/** What a Checkout Session offers beside the plan: the trial (days, none when undefined) and promotion codes. */
export interface CheckoutTerms {
  readonly trialDays: number | undefined;
  readonly allowPromotionCodes: boolean;
}

/**
 * One key per account, plan, terms and half hour, and return path unless a trial is offered:
 * Stripe answers repeats with the first session. The terms are in it so that a session made
 * with a trial is never handed to a reader who is no longer offered one (nor the reverse), and
 * a change of the plan's terms makes a new session rather than a Stripe error for a key reused
 * with other parameters. A trial's key leaves the return path out, so that two tabs on two
 * articles get one trial session, not two (its URLs then carry no return path either).
 */
export function checkoutIdempotencyKey(accountId: string, priceId: string, returnTo: string, nowMs: number, terms: CheckoutTerms = { trialDays: undefined, allowPromotionCodes: false }): string {
  const place = terms.trialDays === undefined ? returnTo : '';
  const what = createHash('sha256').update(`${priceId}\n${place}\n${terms.trialDays ?? 0}\n${terms.allowPromotionCodes ? 1 : 0}`).digest('base64url').slice(0, 16);
  return `gatehouse-checkout-${accountId}-${what}-${Math.floor(nowMs / checkoutWindowMs)}`;
}

/**
 * When a Checkout Session made now expires (epoch seconds): 31 minutes after the end of the
 * key's half hour, rather than Stripe's day. The same for every request with one key (Stripe
 * refuses a key reused with other parameters), and from 31 to 61 minutes after any of them,
 * so a repeat is always handed a session that is still open.
 */
export function checkoutExpiresAt(nowMs: number): number {
  return ((Math.floor(nowMs / checkoutWindowMs) + 1) * checkoutWindowMs) / 1000 + checkoutLeastLifeS;
}

export class BillingNotConfigured extends AppError {
  constructor(message: string) {
    super(503, message);
  }
}

/** What a subscription's apply is told besides its id: by an event, or by a reader back from Checkout. */
export interface SyncRequest {
  /** The account it names (Checkout's reference, the subscription's metadata). */
  readonly accountHint: string | undefined;
  readonly event: { id: string; type: string } | undefined;
  /** The customer it names: its owner's account is found and locked with the subscription's lock. */
  readonly customerId: string | undefined;
}

export interface BillingServiceDeps {
  readonly stripe: Stripe | undefined;
  readonly repository: Pick<BillingRepository, 'customerOf' | 'keepCustomer' | 'subscriptionsOf' | 'holdAccount' | 'applySubscription' | 'hadTrial'>;
  readonly plans: Pick<PlansService, 'list' | 'listRecent' | 'find' | 'listForDisplay' | 'trialDaysFor'>;
  readonly accounts: AccountLookup;
  readonly entitlementCache: EntitlementCache;
  readonly lock: SubscriptionLock;
  readonly throttle: Pick<StripeCallThrottle, 'spend'>;
  readonly logger: Logger;
  readonly publicUrl: URL;
  readonly graceDays: number;
  readonly funnel: FunnelSink;
  readonly clock: Clock;
  /** The words of the errors a reader sees (LOCALE). */
  readonly messages: Messages;
  /** Group subscriptions, ended or left when an account is deleted. */
  readonly groups?: { accountClosing(accountId: string): Promise<void> };
}

export interface AccountBillingSummary {
  readonly configured: boolean;
  readonly hasCustomer: boolean;
  /** The most recently updated subscription. */
  readonly subscription: SubscriptionRecord | undefined;
  /** The plan's name, else the price id of a subscription to no current plan. */
  readonly planName: string | undefined;
}

/** Statuses in which a subscription still runs: its reader is not sent to a second Checkout. */
const runningStatuses = new Set(['active', 'trialing', 'past_due']);


/** Checkout, the customer portal, and applying Stripe's state of a subscription. */
export class BillingService {
  private readonly stripe: Stripe | undefined;
  private readonly repository: BillingServiceDeps['repository'];

  constructor(private readonly deps: BillingServiceDeps) {
    this.stripe = deps.stripe;
    this.repository = deps.repository;
  }

  get configured(): boolean {
    return this.stripe !== undefined;
  }

  private client(): Stripe {
    if (this.stripe === undefined) throw new BillingNotConfigured(this.deps.messages.t('billing.notConfigured'));
    return this.stripe;
  }

  /** The plan a reader may subscribe to: 503 while billing is not set up, 400 for a price that is not offered. */
  async offeredPlan(priceId: string): Promise<Plan> {
    this.client();
    const plan = await this.deps.plans.find(priceId);
    if (plan === undefined) throw new AppError(400, this.deps.messages.t('billing.planNotOffered'));
    return plan;
  }

  /** What the plans page shows: the plans with their prices as kept (Stripe is waited for only on the very first fill). */
  async plansFor(accountId: string | undefined): Promise<{ plans: PlanDisplay[]; configured: boolean; subscribed: boolean }> {
    const plans = await this.deps.plans.listForDisplay(accountId);
    const subscribed = accountId === undefined ? false : await this.hasRunningSubscription(accountId);
    return { plans, configured: this.configured, subscribed };
  }

  /**
   * The trial and promotion codes this reader's Checkout offers: the plan's trial (its own
   * days, else its price's) only to an account that never had one.
   */
  async checkoutTerms(accountId: string, plan: Plan): Promise<CheckoutTerms> {
    const days = await this.deps.plans.trialDaysFor(plan);
    const trialDays = days !== undefined && !(await this.repository.hadTrial(accountId)) ? days : undefined;
    return { trialDays, allowPromotionCodes: plan.allowPromotionCodes === true };
  }

  /**
   * The account's Stripe customer, created once. Two clicks at once send the same
   * idempotency key, so Stripe answers both with one customer, and the database keeps one.
   */
  async ensureCustomer(account: { id: string; email: string }): Promise<string> {
    const existing = await this.repository.customerOf(account.id);
    if (existing !== undefined) return existing;
    const customer = await this.client().customers.create(
      { email: account.email, metadata: { accountId: account.id } },
      { idempotencyKey: `gatehouse-customer-${account.id}` },
    );
    return this.repository.keepCustomer(account.id, customer.id);
  }

  /** Whether the account has a running subscription to one of the plans (no Stripe call). */
  async hasRunningSubscription(accountId: string): Promise<boolean> {
    const offered = new Set((await this.deps.plans.list()).map((p) => p.priceId));
    return (await this.repository.subscriptionsOf(accountId)).some((s) => runningStatuses.has(s.status) && s.priceId !== null && offered.has(s.priceId));
  }

  /** A Checkout Session in subscription mode for a configured plan; its URL. */
  async startCheckout(accountId: string, priceId: string, returnTo: string): Promise<string> {
    const plan = await this.offeredPlan(priceId);
    const stripe = this.client();
    const account = await this.deps.accounts.findById(accountId);
    if (account === undefined) throw new AppError(401, this.deps.messages.t('billing.signInToSubscribe'));
    if (await this.hasRunningSubscription(account.id)) {
      throw new AppError(409, this.deps.messages.t('billing.alreadySubscribed'));
    }
    await this.deps.throttle.spend(account.id);
    const terms = await this.checkoutTerms(account.id, plan);
    const customer = await this.ensureCustomer(account);
    const now = this.deps.clock();
    const urls = this.checkoutUrls(plan.priceId, terms.trialDays === undefined ? returnTo : undefined);
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      customer,
      client_reference_id: account.id,
      line_items: [{ price: plan.priceId, quantity: 1 }],
      ...urls,
      expires_at: checkoutExpiresAt(now),
      metadata: { accountId: account.id },
      subscription_data: { metadata: { accountId: account.id }, ...(terms.trialDays === undefined ? {} : { trial_period_days: terms.trialDays }) },
      ...(terms.allowPromotionCodes ? { allow_promotion_codes: true } : {}),
    }, {
      // A second click, or a second tab on the same article, within half an hour gets the same
      // Checkout Session back from Stripe instead of a second one that could be paid too.
      idempotencyKey: checkoutIdempotencyKey(account.id, plan.priceId, returnTo, now, terms),
    });
    if (!session.url) throw new Error('Stripe returned a Checkout Session without a URL');
    this.deps.funnel.record('checkout', readerKeyOf({ accountId: account.id }));
    return session.url;
  }

  /**
   * Where Checkout sends the reader back. With a return path, to it; without one (a trial's
   * session, whose idempotency key leaves the path out, so its parameters must not vary with
   * it either) to the success page and the plans page, which find the path in the reader's
   * own session, kept there by POST /subscribe.
   */
  private checkoutUrls(priceId: string, returnTo: string | undefined): { success_url: string; cancel_url: string } {
    const success = new URL('/subscribe/success', this.deps.publicUrl);
    if (returnTo !== undefined) success.searchParams.set('returnTo', returnTo);
    const plans = new URL('/subscribe', this.deps.publicUrl);
    plans.searchParams.set('priceId', priceId);
    return {
      // Stripe fills the placeholder; it must not be URL-encoded.
      success_url: `${success.href}${success.search === '' ? '?' : '&'}session_id={CHECKOUT_SESSION_ID}`,
      cancel_url: returnTo === undefined ? plans.href : new URL(returnTo, this.deps.publicUrl).href,
    };
  }

  /**
   * On return from Checkout: when Stripe says the session is complete, apply the
   * subscription now rather than wait for the webhook (the same upsert, so either order works).
   */
  async completeCheckout(accountId: string, sessionId: string): Promise<'complete' | 'pending'> {
    const stripe = this.client();
    const noCheckoutOfYours = this.deps.messages.t('billing.noCheckoutOfYours');
    await this.deps.throttle.spend(accountId);
    const session = await stripe.checkout.sessions.retrieve(sessionId).catch((error: unknown) => {
      if ((error as { statusCode?: unknown }).statusCode === 404) throw new AppError(404, noCheckoutOfYours);
      throw error;
    });
    if (session.client_reference_id !== accountId) throw new AppError(404, noCheckoutOfYours);
    const subscriptionId = idOf(session.subscription);
    if (session.status !== 'complete' || subscriptionId === undefined) return 'pending';
    await this.syncSubscription(subscriptionId, { accountHint: accountId, event: undefined, customerId: idOf(session.customer) });
    return 'complete';
  }

  async portalUrl(accountId: string, returnTo: string): Promise<string> {
    const stripe = this.client();
    const customer = await this.repository.customerOf(accountId);
    if (customer === undefined) throw new AppError(400, this.deps.messages.t('billing.noCustomer'));
    await this.deps.throttle.spend(accountId);
    const session = await stripe.billingPortal.sessions.create({ customer, return_url: new URL(returnTo, this.deps.publicUrl).href });
    return session.url;
  }

  /** What the account page shows of billing (no Stripe call). */
  async accountSummary(accountId: string): Promise<AccountBillingSummary> {
    const [subscription] = await this.repository.subscriptionsOf(accountId);
    const plan = subscription?.priceId ? await this.deps.plans.find(subscription.priceId) : undefined;
    return {
      configured: this.configured,
      hasCustomer: (await this.repository.customerOf(accountId)) !== undefined,
      subscription,
      planName: plan?.name ?? subscription?.priceId ?? undefined,
    };
  }

  /** The account's subscriptions as stored, most recently updated first (the data export). */
  subscriptionsOf(accountId: string): Promise<SubscriptionRecord[]> {
    return this.repository.subscriptionsOf(accountId);
  }

  /**
   * Before an account is deleted: cancels, at Stripe, every live subscription of its
   * customer and deletes the customer. Nothing to do without a customer; throws when
   * Stripe cannot be reached, so that nothing is deleted while Stripe may still charge.
   */
  async closeCustomer(accountId: string): Promise<void> {
    const customer = await this.repository.customerOf(accountId);
    if (customer !== undefined) {
      if (this.stripe === undefined) throw new Error('cannot end a Stripe customer without Stripe keys');
      await endStripeCustomer(this.stripe, customer);
    }
    // After Stripe, so that nothing ends while Stripe may still charge: an owner's group
    // ends (its members lose access), a member leaves theirs.
    await this.deps.groups?.accountClosing(accountId);
  }

  /**
   * Re-reads the subscription from Stripe and applies that state: whatever order events
   * arrive in, the last one applied leaves Stripe's current state. The read and the write
   * hold the subscription's lock together, so a slow read cannot commit after a newer one.
   * A redelivery of an event applied before is answered as the lock is taken, without asking
   * Stripe (which may be the reason Stripe is redelivering); copies racing the first one may
   * still ask, and are then told apart by the event's insert.
   */
  async syncSubscription(subscriptionId: string, about: SyncRequest): Promise<ApplyOutcome> {
    const first = await this.applyOnce(subscriptionId, about, true);
    // The event named another customer than the subscription's own (only a hand-made event
    // does): the account locked as the lock was taken is not the one to write, and locking
    // the right one after it would take two accounts' locks in an order the event chose (two
    // such events at once deadlock). Nothing was written: again, with the subscription's customer.
    // A second pass applies whatever it finds (its account, if still another, is found after the read).
    return typeof first === 'string' ? first : ((await this.applyOnce(subscriptionId, { ...about, customerId: first.customerOfSubscription }, false)) as ApplyOutcome);
  }

  private async applyOnce(subscriptionId: string, about: SyncRequest, mayHoldAgain: boolean): Promise<ApplyOutcome | { customerOfSubscription: string }> {
    const { accountHint, event } = about;
    const stripe = this.client();
    // Read before the lock: on PostgreSQL the lock holds a connection while Stripe answers.
    // A copy a few seconds old (a burst of events costs one query, not one each).
    const recent = await this.deps.plans.listRecent();
    const offered = new Set(recent.map((p) => p.priceId));
    const seated = new Set(recent.filter((p) => p.seats !== undefined).map((p) => p.priceId));
    const seats = new Map(recent.filter((p) => p.seats !== undefined).map((p) => [p.priceId, p.seats!]));
    const cache = this.deps.entitlementCache;
    const hold: HoldRequest = { eventId: event?.id, customerId: about.customerId };
    const result = await this.deps.lock.withSubscriptionLock(subscriptionId, (db, lock) => this.repository.holdAccount(db, lock, hold), async (transact, held) => {
      if (held.seen) return { outcome: 'duplicate' as const, accountId: undefined, entitlementChanged: false };
      const subscription = await stripe.subscriptions.retrieve(subscriptionId);
      const snapshot = snapshotOf(subscription);
      if (mayHoldAgain && held.account !== undefined && held.account.customerId !== snapshot.customerId) return { customerOfSubscription: snapshot.customerId };
      return this.repository.applySubscription(
        transact,
        { snapshot, accountHint: accountHint ?? subscription.metadata?.accountId ?? undefined, event, graceDays: this.deps.graceDays, offered, seated, seats, held },
        // Inside the transaction: if the cached entitlement cannot be dropped, nothing commits
        // and Stripe retries; a view racing the commit may re-cache the old value, so it is
        // dropped once more after the commit.
        (accountId) => cache.forgetEntitlement(accountId),
        // A second trial for a reader who had one: ended at Stripe before the commit, so that
        // should Stripe fail, nothing is recorded and its retry of the event tries again.
        async (id) => void (await stripe.subscriptions.update(id, { trial_end: 'now' }, { idempotencyKey: `gatehouse-end-trial-${id}` })),
      );
    });
    if ('customerOfSubscription' in result) return result;
    const accountId = result.accountId;
    if (result.trialEnded) this.deps.logger.warn({ subscription: subscriptionId, accountId }, 'a second trial for one reader: ended at Stripe');
    if (result.outcome !== 'applied' || accountId === undefined) return result.outcome;
    // An unchanged entitlement was not dropped before the commit either: no old value to re-cache.
    const changed = [...(result.entitlementChanged ? [accountId] : []), ...(result.membersChanged ?? [])];
    for (const id of changed) await cache.forgetEntitlement(id).catch((error: unknown) => this.deps.logger.warn({ err: error, accountId: id }, 'could not drop the cached entitlement'));
    // A finished Checkout, told by the webhook or by the reader's return (event undefined).
    if (event === undefined || event.type === 'checkout.session.completed') this.deps.funnel.record('subscribed', readerKeyOf({ accountId }));
    return 'applied';
  }
}
