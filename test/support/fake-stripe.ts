import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import Stripe from 'stripe';
import request from 'supertest';

/**
 * A local stand-in for the part of Stripe's API Gatehouse uses, which the real `stripe`
 * SDK talks to through STRIPE_API_URL: form-encoded requests, bearer secret keys,
 * idempotency keys, Stripe's error envelope, and objects shaped like Stripe's published
 * fixtures (API version 2026-10-28: the period end sits on subscription items, an invoice
 * names its subscription under parent.subscription_details).
 */
export class FakeStripe {
  readonly customers = new Map<string, Record<string, unknown>>();
  readonly sessions = new Map<string, Record<string, unknown>>();
  readonly subscriptions = new Map<string, Record<string, unknown>>();
  /** Customers deleted through the API (DELETE /v1/customers/:id), by id. */
  readonly deletedCustomers = new Set<string>();
  private readonly holds = new Map<string, { arrived: () => void; released: Promise<void> }>();
  readonly requests: { method: string; path: string; body: Record<string, unknown> }[] = [];
  private readonly idempotent = new Map<string, unknown>();
  /** When set, every API call fails with a 500 (to test that nothing is half-applied). */
  failing = false;
  private server: Server | undefined;
  private readonly signer = new Stripe('sk_test_signer');

  constructor(
    readonly secretKey = 'sk_test_gatehouse',
    readonly webhookSecret = 'whsec_gatehouse_test',
  ) {}

  static id(prefix: string): string {
    return `${prefix}_${randomBytes(12).toString('base64url').replace(/[-]/g, 'x')}`;
  }

  get url(): string {
    const { port } = this.server!.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async start(): Promise<void> {
    const app = express();
    app.use(express.urlencoded({ extended: true }));
    // The hosted pages a browser is sent to: no API key there.
    app.get(['/c/pay/:id', '/p/session/:id'], (_req, res) => {
      res.send('<!doctype html><title>Stripe Checkout (test)</title><h1>Stripe test page</h1>');
    });
    app.use((req, res, next) => {
      this.requests.push({ method: req.method, path: req.path, body: req.body as Record<string, unknown> });
      if (req.headers.authorization !== `Bearer ${this.secretKey}`) return this.error(res, 401, 'invalid_request_error', 'Invalid API Key provided.');
      if (this.failing) return this.error(res, 500, 'api_error', 'Something went wrong on Stripe.');
      const key = req.headers['idempotency-key'];
      if (req.method === 'POST' && typeof key === 'string' && this.idempotent.has(`${req.path}|${key}`)) {
        return res.json(this.idempotent.get(`${req.path}|${key}`));
      }
      const json = res.json.bind(res);
      res.json = (body: unknown) => {
        if (req.method === 'POST' && typeof key === 'string' && res.statusCode < 400) this.idempotent.set(`${req.path}|${key}`, body);
        return json(body);
      };
      next();
    });
    app.post('/v1/customers', (req, res) => {
      const customer = { id: FakeStripe.id('cus'), object: 'customer', email: req.body.email ?? null, metadata: req.body.metadata ?? {}, created: now(), livemode: false };
      this.customers.set(customer.id, customer);
      res.json(customer);
    });
    app.post('/v1/checkout/sessions', (req, res) => {
      const body = req.body as Record<string, any>;
      if (body.mode !== 'subscription' || !body.line_items?.[0]?.price) return this.error(res, 400, 'invalid_request_error', 'Missing required param: line_items[0][price].');
      const id = FakeStripe.id('cs_test');
      const session = {
        id,
        object: 'checkout.session',
        mode: 'subscription',
        status: 'open',
        payment_status: 'unpaid',
        customer: body.customer,
        client_reference_id: body.client_reference_id ?? null,
        subscription: null,
        success_url: body.success_url,
        cancel_url: body.cancel_url,
        metadata: body.metadata ?? {},
        url: `${this.url}/c/pay/${id}`,
        livemode: false,
        created: now(),
        priceId: body.line_items[0].price,
        subscriptionMetadata: body.subscription_data?.metadata ?? {},
      };
      this.sessions.set(id, session);
      res.json(publicSession(session));
    });
    app.get('/v1/checkout/sessions/:id', (req, res) => {
      const session = this.sessions.get(req.params.id);
      if (!session) return this.error(res, 404, 'invalid_request_error', `No such checkout.session: '${req.params.id}'`, 'resource_missing');
      res.json(publicSession(session));
    });
    app.get('/v1/subscriptions', (req, res) => {
      const { customer, status, starting_after: after } = req.query as Record<string, string | undefined>;
      const limit = Math.min(100, Math.max(1, Number(req.query.limit ?? 10)));
      // Newest first, as Stripe lists; without `status`, canceled ones are left out.
      const all = [...this.subscriptions.values()]
        .filter((s) => customer === undefined || s.customer === customer)
        .filter((s) => (status === 'all' ? true : status === undefined ? s.status !== 'canceled' : s.status === status))
        .reverse();
      const from = after === undefined ? 0 : all.findIndex((s) => s.id === after) + 1;
      const data = all.slice(from, from + limit);
      res.json({ object: 'list', data, has_more: from + limit < all.length, url: '/v1/subscriptions' });
    });
    app.get('/v1/subscriptions/:id', async (req, res) => {
      const subscription = this.subscriptions.get(req.params.id);
      if (!subscription) return this.error(res, 404, 'invalid_request_error', `No such subscription: '${req.params.id}'`, 'resource_missing');
      const hold = this.holds.get(req.params.id);
      if (hold === undefined) return res.json(subscription);
      // The state as read now, answered once the test lets go: a slow read of an older state.
      this.holds.delete(req.params.id);
      const asRead = structuredClone(subscription);
      hold.arrived();
      await hold.released;
      res.json(asRead);
    });
    app.delete('/v1/subscriptions/:id', (req, res) => {
      const subscription = this.subscriptions.get(req.params.id);
      if (!subscription) return this.error(res, 404, 'invalid_request_error', `No such subscription: '${req.params.id}'`);
      Object.assign(subscription, { status: 'canceled', canceled_at: now(), ended_at: now() });
      res.json(subscription);
    });
    app.delete('/v1/customers/:id', (req, res) => {
      if (!this.customers.has(req.params.id)) return this.error(res, 404, 'invalid_request_error', `No such customer: '${req.params.id}'`, 'resource_missing');
      this.customers.delete(req.params.id);
      this.deletedCustomers.add(req.params.id);
      // As Stripe does: deleting a customer ends its subscriptions at once.
      for (const subscription of this.subscriptions.values()) {
        if (subscription.customer === req.params.id && subscription.status !== 'canceled') Object.assign(subscription, { status: 'canceled', canceled_at: now(), ended_at: now() });
      }
      res.json({ id: req.params.id, object: 'customer', deleted: true });
    });
    app.post('/v1/billing_portal/sessions', (req, res) => {
      if (!this.customers.has(req.body.customer)) return this.error(res, 400, 'invalid_request_error', `No such customer: '${req.body.customer}'`);
      res.json({ id: FakeStripe.id('bps'), object: 'billing_portal.session', customer: req.body.customer, return_url: req.body.return_url, url: `${this.url}/p/session/${FakeStripe.id('bps')}`, livemode: false, created: now() });
    });
    await new Promise<void>((resolve) => {
      this.server = app.listen(0, '127.0.0.1', () => resolve());
    });
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private error(res: express.Response, status: number, type: string, message: string, code?: string): void {
    res.status(status).json({ error: { type, message, ...(code ? { code } : {}) } });
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

  /** What Stripe does when the reader pays: the session completes and a subscription starts. */
  completeCheckout(sessionId: string, status = 'active'): Record<string, unknown> {
    const session = this.sessions.get(sessionId)!;
    const subscription = this.createSubscription(session.customer as string, session.priceId as string, status, session.subscriptionMetadata as Record<string, string>);
    Object.assign(session, { status: 'complete', payment_status: 'paid', subscription: subscription.id });
    return subscription;
  }

  createSubscription(customer: string, priceId: string, status = 'active', metadata: Record<string, string> = {}): Record<string, unknown> {
    const id = FakeStripe.id('sub');
    const start = now();
    const subscription = {
      id,
      object: 'subscription',
      customer,
      status,
      cancel_at_period_end: false,
      canceled_at: null,
      created: start,
      start_date: start,
      livemode: false,
      metadata,
      items: {
        object: 'list',
        data: [{ id: FakeStripe.id('si'), object: 'subscription_item', subscription: id, quantity: 1, current_period_start: start, current_period_end: start + 30 * 86_400, price: { id: priceId, object: 'price', active: true, currency: 'eur', recurring: { interval: 'month', interval_count: 1 }, type: 'recurring', unit_amount: 900 } }],
        has_more: false,
        url: `/v1/subscription_items?subscription=${id}`,
      },
    };
    this.subscriptions.set(id, subscription);
    return subscription;
  }

  setStatus(subscriptionId: string, status: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    const subscription = this.subscriptions.get(subscriptionId)!;
    Object.assign(subscription, { status, ...extra });
    if (status === 'canceled') subscription.canceled_at = now();
    return { ...subscription };
  }

  event(type: string, object: Record<string, unknown>, id = FakeStripe.id('evt')): Record<string, unknown> {
    return { id, object: 'event', api_version: '2026-10-28.endive', created: now(), livemode: false, pending_webhooks: 1, request: { id: null, idempotency_key: null }, type, data: { object: structuredClone(object) } };
  }

  invoice(subscription: Record<string, unknown>, status: 'paid' | 'open'): Record<string, unknown> {
    return {
      id: FakeStripe.id('in'),
      object: 'invoice',
      customer: subscription.customer,
      status,
      parent: { type: 'subscription_details', subscription_details: { subscription: subscription.id, metadata: {} }, quote_details: null },
      livemode: false,
      created: now(),
    };
  }

  checkoutSessionObject(sessionId: string): Record<string, unknown> {
    return publicSession(this.sessions.get(sessionId)!);
  }

  /** A body and a Stripe-Signature header, as Stripe would send them. */
  signed(event: Record<string, unknown>, options: { secret?: string; timestamp?: number } = {}): { body: string; signature: string } {
    const body = JSON.stringify(event);
    const signature = this.signer.webhooks.generateTestHeaderString({ payload: body, secret: options.secret ?? this.webhookSecret, timestamp: options.timestamp });
    return { body, signature };
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

function publicSession(session: Record<string, unknown>): Record<string, unknown> {
  const { priceId: _p, subscriptionMetadata: _m, ...rest } = session;
  return rest;
}
