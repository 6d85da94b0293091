import type Stripe from 'stripe';
import type { Logger } from 'pino';
import { idOf } from './stripe-id';
import { AppError } from '../http/app-error';
import type { MeterStore } from '../meter/meter-store';
import type { BillingRepository, SubscriptionSnapshot } from './billing.repository';
import type { PlansService } from './plans';
import type { FunnelRecorder } from '../funnel/funnel-recorder';
import { readerKeyOf } from '../meter/gate.service';

export class BillingNotConfigured extends AppError {
  constructor() {
    super(503, 'Subscriptions are not available yet: billing has not been set up for this site.');
  }
}

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
  };
}

export interface BillingOptions {
  readonly publicUrl: URL;
  readonly graceDays: number;
  readonly funnel?: FunnelRecorder;
}

/** Checkout, the customer portal, and applying Stripe's state of a subscription. */
export class BillingService {
  constructor(
    private readonly stripe: Stripe | undefined,
    private readonly repository: BillingRepository,
    private readonly plans: PlansService,
    private readonly meterStore: MeterStore,
    private readonly logger: Logger,
    private readonly options: BillingOptions,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  get configured(): boolean {
    return this.stripe !== undefined;
  }

  private client(): Stripe {
    if (this.stripe === undefined) throw new BillingNotConfigured();
    return this.stripe;
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

  /** A Checkout Session in subscription mode for a configured plan; its URL. */
  async startCheckout(account: { id: string; email: string }, priceId: string, returnTo: string): Promise<string> {
    const plan = await this.plans.find(priceId);
    if (plan === undefined) throw new AppError(400, 'That plan is not offered. Choose one of the plans listed.');
    const stripe = this.client();
    const customer = await this.ensureCustomer(account);
    const success = new URL('/subscribe/success', this.options.publicUrl);
    success.searchParams.set('returnTo', returnTo);
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      customer,
      client_reference_id: account.id,
      line_items: [{ price: plan.priceId, quantity: 1 }],
      // Stripe fills the placeholder; it must not be URL-encoded.
      success_url: `${success.href}&session_id={CHECKOUT_SESSION_ID}`,
      cancel_url: new URL(returnTo, this.options.publicUrl).href,
      metadata: { accountId: account.id },
      subscription_data: { metadata: { accountId: account.id } },
    });
    if (!session.url) throw new Error('Stripe returned a Checkout Session without a URL');
    this.options.funnel?.record('checkout', readerKeyOf({ accountId: account.id }));
    return session.url;
  }

  /**
   * On return from Checkout: when Stripe says the session is complete, apply the
   * subscription now rather than wait for the webhook (the same upsert, so either order works).
   */
  async completeCheckout(accountId: string, sessionId: string): Promise<'complete' | 'pending'> {
    const session = await this.client().checkout.sessions.retrieve(sessionId);
    if (session.client_reference_id !== accountId) throw new AppError(404, 'There is no checkout of yours with this id.');
    const subscriptionId = idOf(session.subscription);
    if (session.status !== 'complete' || subscriptionId === undefined) return 'pending';
    await this.syncSubscription(subscriptionId, accountId, undefined);
    return 'complete';
  }

  async portalUrl(accountId: string, returnTo: string): Promise<string> {
    const customer = await this.repository.customerOf(accountId);
    if (customer === undefined) throw new AppError(400, 'There is no subscription to manage on this account yet.');
    const session = await this.client().billingPortal.sessions.create({ customer, return_url: new URL(returnTo, this.options.publicUrl).href });
    return session.url;
  }

  /**
   * Re-reads the subscription from Stripe and applies that state: whatever order events
   * arrive in, the last one applied leaves Stripe's current state. Returns false when the
   * event had been applied before, and 'unknown-customer' when no account owns it.
   */
  async syncSubscription(subscriptionId: string, accountHint: string | undefined, event: { id: string; type: string } | undefined): Promise<boolean | 'unknown-customer'> {
    const subscription = await this.client().subscriptions.retrieve(subscriptionId);
    const snapshot = snapshotOf(subscription);
    const owner = await this.repository.accountOfCustomer(snapshot.customerId);
    const accountId = owner ?? accountHint ?? subscription.metadata?.accountId ?? undefined;
    if (accountId === undefined) return 'unknown-customer';
    if (owner === undefined) await this.repository.keepCustomer(accountId, snapshot.customerId);
    const applied = await this.repository.applySubscription(
      { accountId, snapshot, event, graceDays: this.options.graceDays, now: this.clock() },
      // Inside the transaction: if the cached entitlement cannot be dropped, nothing commits
      // and Stripe retries; a view racing the commit may re-cache the old value, so it is
      // dropped once more after the commit.
      () => this.meterStore.forgetEntitlement(accountId),
    );
    await this.meterStore.forgetEntitlement(accountId).catch((error: unknown) => this.logger.warn({ err: error, accountId }, 'could not drop the cached entitlement'));
    // A finished Checkout, told by the webhook or by the reader's return (event undefined).
    if (event === undefined || event.type === 'checkout.session.completed') this.options.funnel?.record('subscribed', readerKeyOf({ accountId }));
    return applied;
  }
}
