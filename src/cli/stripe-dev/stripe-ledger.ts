import type { Clock } from '../../config/clock';
import {
  eventObject, invoiceObject, periodEnd, priceObject, publicSession, stripeId, subscriptionItems,
  type PriceSpec, type StripeObject,
} from './stripe-objects';
import { isWebUrl, missing, StripeRequestError } from './stripe-request-error';

/** What a subscription cost when its price is not one of the ledger's (the tests name prices freely). */
const anyPrice = (id: string): PriceSpec => ({ id, nickname: null, unitAmount: 900, interval: 'month', currency: 'eur', trialDays: null });

/** Everything the ledger holds, as kept in a file between runs. */
export interface LedgerState {
  customers: StripeObject[];
  sessions: StripeObject[];
  subscriptions: StripeObject[];
  portalSessions: StripeObject[];
  deletedCustomers: string[];
}

export interface LedgerOptions {
  readonly prices: readonly PriceSpec[];
  /** Whether a price the ledger does not know may be bought (the tests'), or is refused as Stripe does. */
  readonly anyPrice: boolean;
  readonly clock: Clock;
  /** Told of each event as it happens: the dev server sends it to the app's webhook. */
  readonly onEvent?: (event: StripeObject) => void;
}

/**
 * The state of a Stripe account and what changes it: customers, Checkout Sessions,
 * subscriptions and portal sessions. The API, the hosted pages and the tests all act
 * through it, so that each change is made, and told as an event, one way.
 */
export class StripeLedger {
  readonly customers = new Map<string, StripeObject>();
  readonly sessions = new Map<string, StripeObject>();
  readonly subscriptions = new Map<string, StripeObject>();
  readonly portalSessions = new Map<string, StripeObject>();
  readonly deletedCustomers = new Set<string>();
  readonly prices = new Map<string, PriceSpec>();
  /** When the prices were made: the server's start, the same in every answer. */
  private readonly pricesCreated: number;

  constructor(private readonly options: LedgerOptions, state?: LedgerState) {
    this.pricesCreated = this.now();
    for (const price of options.prices) this.prices.set(price.id, price);
    for (const c of state?.customers ?? []) this.customers.set(c.id as string, c);
    for (const s of state?.sessions ?? []) this.sessions.set(s.id as string, s);
    for (const s of state?.subscriptions ?? []) this.subscriptions.set(s.id as string, s);
    for (const p of state?.portalSessions ?? []) this.portalSessions.set(p.id as string, p);
    for (const id of state?.deletedCustomers ?? []) this.deletedCustomers.add(id);
  }

  state(): LedgerState {
    return {
      customers: [...this.customers.values()],
      sessions: [...this.sessions.values()],
      subscriptions: [...this.subscriptions.values()],
      portalSessions: [...this.portalSessions.values()],
      deletedCustomers: [...this.deletedCustomers],
    };
  }

  now(): number {
    return Math.floor(this.options.clock() / 1000);
  }

  private emit(type: string, object: StripeObject, previousAttributes?: StripeObject): void {
    this.options.onEvent?.(eventObject(type, object, this.now(), { previousAttributes }));
  }

  /** The price as the API shows it; undefined when it is unknown and unknown ones are refused. */
  price(id: string): StripeObject | undefined {
    const spec = this.prices.get(id) ?? (this.options.anyPrice ? anyPrice(id) : undefined);
    return spec === undefined ? undefined : priceObject(spec, this.pricesCreated);
  }

  private priceSpec(id: string): PriceSpec {
    return this.prices.get(id) ?? anyPrice(id);
  }

  createCustomer(email: unknown, metadata: unknown): StripeObject {
    const customer = { id: stripeId('cus'), object: 'customer', email: email ?? null, metadata: metadata ?? {}, created: this.now(), livemode: false };
    this.customers.set(customer.id, customer);
    return customer;
  }

  /** Deletes the customer and, as Stripe does, ends its subscriptions at once. */
  deleteCustomer(id: string): StripeObject {
    if (!this.customers.has(id)) throw missing('customer', id);
    this.customers.delete(id);
    this.deletedCustomers.add(id);
    for (const subscription of this.subscriptions.values()) {
      if (subscription.customer === id && subscription.status !== 'canceled') this.cancelSubscription(subscription.id as string);
    }
    return { id, object: 'customer', deleted: true };
  }

  createCheckoutSession(body: Record<string, any>, hostedBase: string): StripeObject {
    const priceId = body.line_items?.[0]?.price;
    if (body.mode !== 'subscription' || typeof priceId !== 'string') throw new StripeRequestError(400, 'invalid_request_error', 'Missing required param: line_items[0][price].');
    if (this.price(priceId) === undefined) throw new StripeRequestError(400, 'invalid_request_error', `No such price: '${priceId}'`, 'resource_missing');
    for (const field of ['success_url', 'cancel_url'] as const) {
      if (body[field] !== undefined && !isWebUrl(body[field])) throw new StripeRequestError(400, 'invalid_request_error', `Not a valid URL: ${field}`, 'url_invalid');
    }
    const id = stripeId('cs_test');
    const created = this.now();
    const expiresAt = this.expiresAt(body.expires_at, created);
    const session = {
      id,
      object: 'checkout.session',
      mode: 'subscription',
      status: 'open',
      payment_status: 'unpaid',
      customer: body.customer ?? null,
      customer_email: body.customer_email ?? null,
      client_reference_id: body.client_reference_id ?? null,
      subscription: null,
      success_url: body.success_url ?? null,
      cancel_url: body.cancel_url ?? null,
      metadata: body.metadata ?? {},
      url: `${hostedBase}/c/pay/${id}`,
      livemode: false,
      created,
      expires_at: expiresAt,
      priceId,
      subscriptionMetadata: body.subscription_data?.metadata ?? {},
      // A trial Checkout was asked for (subscription_data[trial_period_days]); else the price's own.
      trialDays: /^\d+$/.test(String(body.subscription_data?.trial_period_days ?? '')) ? Number(body.subscription_data.trial_period_days) : null,
    };
    this.sessions.set(id, session);
    return publicSession(session);
  }

  /** expires_at as Stripe takes it: epoch seconds from 30 minutes to 24 hours after creation; a day when not given. */
  private expiresAt(given: unknown, created: number): number {
    if (given === undefined) return created + 24 * 3600;
    const at = /^\d+$/.test(String(given)) ? Number(given) : NaN;
    if (!(at >= created + 30 * 60 && at <= created + 24 * 3600)) {
      throw new StripeRequestError(400, 'invalid_request_error', 'The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.', 'parameter_invalid_integer');
    }
    return at;
  }

  /** An open session past its expires_at is expired, as Stripe shows it from then on. */
  private expireIfDue(session: StripeObject): void {
    if (session.status === 'open' && this.now() >= (session.expires_at as number)) Object.assign(session, { status: 'expired', url: null });
  }

  checkoutSession(id: string): StripeObject {
    const session = this.sessions.get(id);
    if (!session) throw missing('checkout.session', id);
    this.expireIfDue(session);
    return publicSession(session);
  }

  /**
   * The reader pays: the session completes, a subscription starts and its first invoice is
   * paid. Once only: a second Pay on a completed session changes nothing (undefined).
   */
  pay(sessionId: string): StripeObject | undefined {
    const session = this.sessions.get(sessionId);
    if (!session) throw missing('checkout.session', sessionId);
    this.expireIfDue(session);
    if (session.status !== 'open') return undefined;
    const trial = (session.trialDays ?? this.priceSpec(session.priceId as string).trialDays) !== null;
    const subscription = this.completeCheckout(sessionId, trial ? 'trialing' : 'active');
    this.emit('customer.subscription.created', subscription);
    this.emit('invoice.paid', invoiceObject(subscription, 'paid', this.now(), 'subscription_create'));
    this.emit('checkout.session.completed', publicSession(session));
    return subscription;
  }

  /** What Stripe does when the reader pays, without telling anyone (the tests deliver events themselves). */
  completeCheckout(sessionId: string, status = 'active'): StripeObject {
    const session = this.sessions.get(sessionId);
    if (!session) throw missing('checkout.session', sessionId);
    const subscription = this.createSubscription(session.customer as string, session.priceId as string, status, session.subscriptionMetadata as Record<string, string>, session.trialDays as number | null);
    Object.assign(session, { status: 'complete', payment_status: status === 'trialing' ? 'no_payment_required' : 'paid', subscription: subscription.id, url: null });
    return subscription;
  }

  createSubscription(customer: string, priceId: string, status = 'active', metadata: Record<string, string> = {}, trialDays: number | null = null): StripeObject {
    const id = stripeId('sub');
    const start = this.now();
    const spec = this.priceSpec(priceId);
    const days = trialDays ?? spec.trialDays;
    const trialEnd = status === 'trialing' && days !== null ? start + days * 86_400 : null;
    const subscription = {
      id,
      object: 'subscription',
      customer,
      status,
      cancel_at_period_end: false,
      canceled_at: null,
      ended_at: null,
      created: start,
      start_date: start,
      trial_start: trialEnd === null ? null : start,
      trial_end: trialEnd,
      currency: spec.currency,
      livemode: false,
      metadata,
      items: subscriptionItems(id, this.price(priceId) ?? priceObject(spec, start), start, trialEnd ?? periodEnd(start, spec.interval)),
    };
    this.subscriptions.set(id, subscription);
    return subscription;
  }

  subscription(id: string): StripeObject {
    const subscription = this.subscriptions.get(id);
    if (!subscription) throw missing('subscription', id);
    return subscription;
  }

  setStatus(subscriptionId: string, status: string, extra: Record<string, unknown> = {}): StripeObject {
    const subscription = this.subscription(subscriptionId);
    Object.assign(subscription, { status, ...extra });
    if (status === 'canceled') subscription.canceled_at = this.now();
    return { ...subscription };
  }

  /**
   * POST /v1/subscriptions/:id with only `trial_end=now`, the one update Gatehouse makes: a
   * trialing subscription becomes active from now, its first period starts, and it is paid
   * (updated and invoice.paid are told). Any other subscription is left as it is.
   */
  updateSubscription(id: string, body: Record<string, unknown>): StripeObject {
    const subscription = this.subscription(id);
    const unknown = Object.keys(body).find((k) => k !== 'trial_end');
    if (unknown !== undefined) throw new StripeRequestError(400, 'invalid_request_error', `Received unknown parameter: ${unknown}`, 'parameter_unknown');
    if (body.trial_end !== 'now') throw new StripeRequestError(400, 'invalid_request_error', 'The dev server takes only trial_end=now.', 'parameter_invalid');
    if (subscription.status !== 'trialing') return subscription;
    const start = this.now();
    const price = ((subscription.items as { data: StripeObject[] }).data[0]!.price as StripeObject);
    const previous = { status: subscription.status, trial_end: subscription.trial_end, items: structuredClone(subscription.items) as StripeObject };
    Object.assign(subscription, { status: 'active', trial_end: start, items: subscriptionItems(id, price, start, periodEnd(start, this.priceSpec(price.id as string).interval)) });
    this.emit('customer.subscription.updated', subscription, previous);
    this.emit('invoice.paid', invoiceObject(subscription, 'paid', start, 'subscription_cycle'));
    return subscription;
  }

  /** Cancels at once (DELETE /v1/subscriptions/:id, or the portal's button). */
  cancelSubscription(id: string): StripeObject {
    const subscription = this.subscription(id);
    if (subscription.status === 'canceled') return subscription;
    const now = this.now();
    Object.assign(subscription, { status: 'canceled', canceled_at: now, ended_at: now });
    this.emit('customer.subscription.deleted', subscription);
    return subscription;
  }

  /** Moves a subscription to another price (the portal's switch), from now. */
  switchPrice(id: string, priceId: string): StripeObject {
    const subscription = this.subscription(id);
    const price = this.price(priceId);
    if (price === undefined) throw missing('price', priceId);
    const previous = structuredClone(subscription.items) as StripeObject;
    const start = this.now();
    subscription.items = subscriptionItems(id, price, start, periodEnd(start, this.priceSpec(priceId).interval));
    this.emit('customer.subscription.updated', subscription, { items: previous });
    this.emit('invoice.paid', invoiceObject(subscription, 'paid', start, 'subscription_update'));
    return subscription;
  }

  /** The customer's subscriptions, newest first; without `status`, canceled ones are left out, as Stripe lists. */
  listSubscriptions(filter: { customer?: string; status?: string }): StripeObject[] {
    return [...this.subscriptions.values()]
      .filter((s) => filter.customer === undefined || s.customer === filter.customer)
      .filter((s) => (filter.status === 'all' ? true : filter.status === undefined ? s.status !== 'canceled' : s.status === filter.status))
      .reverse();
  }

  createPortalSession(customer: unknown, returnUrl: unknown, hostedBase: string): StripeObject {
    if (typeof customer !== 'string' || !this.customers.has(customer)) throw new StripeRequestError(400, 'invalid_request_error', `No such customer: '${String(customer)}'`);
    if (returnUrl !== undefined && !isWebUrl(returnUrl)) throw new StripeRequestError(400, 'invalid_request_error', 'Not a valid URL: return_url', 'url_invalid');
    const id = stripeId('bps');
    const session = { id, object: 'billing_portal.session', customer, return_url: returnUrl ?? null, url: `${hostedBase}/p/session/${id}`, livemode: false, created: this.now() };
    this.portalSessions.set(id, session);
    return session;
  }
}
