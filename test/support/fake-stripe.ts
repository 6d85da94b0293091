import type { Express, RequestHandler } from 'express';
import request from 'supertest';
import { StripeDevServer } from '../../src/cli/stripe-dev/stripe-dev.server';
import { sendStripeError } from '../../src/cli/stripe-dev/stripe-api.routes';
import { eventObject, invoiceObject, publicSession, stripeId } from '../../src/cli/stripe-dev/stripe-objects';
import { stripeSignature } from '../../src/cli/stripe-dev/webhook-sender';
import type { PriceSpec } from '../../src/cli/stripe-dev/stripe-objects';

/**
 * The Stripe dev server (`gatehouse stripe-dev`) as the tests use it: the same API, hosted
 * pages and objects, but no webhooks of its own (a test delivers each event itself, when it
 * wants and as often as it wants), any price id accepted, and three instruments: a log of
 * the API requests, an outage switch, and a subscription read held back on demand.
 */
export class FakeStripe {
  readonly requests: { method: string; path: string; body: Record<string, unknown> }[] = [];
  /** When set, every API call fails with a 500 (to test that nothing is half-applied). */
  failing = false;
  private readonly holds = new Map<string, { arrived: () => void; released: Promise<void> }>();
  private readonly server: StripeDevServer;

  constructor(
    readonly secretKey = 'sk_test_gatehouse',
    readonly webhookSecret = 'whsec_gatehouse_test',
    /** Prices it sells as given (amount, interval, trial days); any other price id is still accepted, as €9.00 a month. */
    prices: readonly PriceSpec[] = [],
  ) {
    const log: RequestHandler = (req, _res, next) => {
      this.requests.push({ method: req.method, path: req.path, body: req.body as Record<string, unknown> });
      next();
    };
    const outage: RequestHandler = (_req, res, next) => (this.failing ? sendStripeError(res, 500, 'api_error', 'Something went wrong on Stripe.') : next());
    this.server = new StripeDevServer({
      secretKey,
      webhookSecret,
      prices,
      anyPrice: true,
      clock: Date.now,
      urlHost: '127.0.0.1',
      beforeKeyCheck: [log],
      afterKeyCheck: [outage],
      beforeSubscriptionRead: (id, subscription) => this.heldRead(id, subscription),
    });
  }

  static id(prefix: string): string {
    return stripeId(prefix);
  }

  get customers() {
    return this.server.ledger.customers;
  }
  get sessions() {
    return this.server.ledger.sessions;
  }
  get subscriptions() {
    return this.server.ledger.subscriptions;
  }
  /** Customers deleted through the API (DELETE /v1/customers/:id), by id. */
  get deletedCustomers() {
    return this.server.ledger.deletedCustomers;
  }

  get url(): string {
    return this.server.url;
  }

  /** The settings that point an app at this server: its keys and its address (once started). */
  appEnv(): Record<'STRIPE_SECRET_KEY' | 'STRIPE_WEBHOOK_SECRET' | 'STRIPE_API_URL', string> {
    return { STRIPE_SECRET_KEY: this.secretKey, STRIPE_WEBHOOK_SECRET: this.webhookSecret, STRIPE_API_URL: this.url };
  }

  start(): Promise<void> {
    return this.server.listen(0);
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  /**
   * Holds the next GET of this subscription: it reads the state as it is when the request
   * arrives and answers with it only on release(). `arrived` resolves once it is held.
   */
  holdNextRetrieve(subscriptionId: string): { arrived: Promise<void>; release: () => void } {
    let arrived!: () => void;
    let release!: () => void;
    const arrival = new Promise<void>((resolve) => (arrived = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    this.holds.set(subscriptionId, { arrived, released });
    return { arrived: arrival, release };
  }

  private async heldRead(id: string, subscription: Record<string, unknown>): Promise<Record<string, unknown>> {
    const hold = this.holds.get(id);
    if (hold === undefined) return subscription;
    // The state as read now, answered once the test lets go: a slow read of an older state.
    this.holds.delete(id);
    const asRead = structuredClone(subscription);
    hold.arrived();
    await hold.released;
    return asRead;
  }

  /** What Stripe does when the reader pays: the session completes and a subscription starts. */
  completeCheckout(sessionId: string, status = 'active'): Record<string, unknown> {
    return this.server.ledger.completeCheckout(sessionId, status);
  }

  createSubscription(customer: string, priceId: string, status = 'active', metadata: Record<string, string> = {}): Record<string, unknown> {
    return this.server.ledger.createSubscription(customer, priceId, status, metadata);
  }

  setStatus(subscriptionId: string, status: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return this.server.ledger.setStatus(subscriptionId, status, extra);
  }

  event(type: string, object: Record<string, unknown>, id = FakeStripe.id('evt')): Record<string, unknown> {
    return eventObject(type, object, now(), { id });
  }

  invoice(subscription: Record<string, unknown>, status: 'paid' | 'open'): Record<string, unknown> {
    return invoiceObject(subscription, status, now());
  }

  checkoutSessionObject(sessionId: string): Record<string, unknown> {
    return publicSession(this.sessions.get(sessionId)!);
  }

  /** A body and a Stripe-Signature header, as Stripe would send them. */
  signed(event: Record<string, unknown>, options: { secret?: string; timestamp?: number } = {}): { body: string; signature: string } {
    const body = JSON.stringify(event);
    return { body, signature: stripeSignature(body, options.secret ?? this.webhookSecret, options.timestamp ?? now()) };
  }

  /** Posts a signed event to the app's webhook endpoint, as Stripe does. */
  deliver(app: Express, event: Record<string, unknown>): request.Test {
    const { body, signature } = this.signed(event);
    return request(app).post('/webhooks/stripe').set('Stripe-Signature', signature).set('Content-Type', 'application/json').send(body);
  }
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}
