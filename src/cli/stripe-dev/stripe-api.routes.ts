import express, { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { StripeLedger } from './stripe-ledger';
import { StripeRequestError } from './stripe-request-error';

/** Stripe's error envelope. */
export function sendStripeError(res: Response, status: number, type: string, message: string, code?: string): void {
  res.status(status).json({ error: { type, message, ...(code ? { code } : {}) } });
}

/** The API answers only its secret key: as a bearer token (the SDK's way) or a basic user name (`curl -u sk_test_...:`). */
export function requireSecretKey(secretKey: string): RequestHandler {
  const accepted = new Set([`Bearer ${secretKey}`, `Basic ${Buffer.from(`${secretKey}:`).toString('base64')}`]);
  return (req, res, next) => {
    if (!accepted.has(req.headers.authorization ?? '')) return sendStripeError(res, 401, 'invalid_request_error', 'Invalid API Key provided.');
    next();
  };
}

/**
 * A POST repeated with the same Idempotency-Key is answered with the first answer, as
 * Stripe does (the app relies on it: two clicks make one customer, one Checkout Session);
 * repeated with other parameters, it is refused, as Stripe does.
 */
export function idempotency(): RequestHandler {
  const answers = new Map<string, { params: string; body: unknown }>();
  return (req, res, next) => {
    const key = req.headers['idempotency-key'];
    if (req.method !== 'POST' || typeof key !== 'string') return next();
    const slot = `${req.path}|${key}`;
    const params = JSON.stringify(req.body ?? {});
    const first = answers.get(slot);
    if (first !== undefined && first.params !== params) {
      return sendStripeError(res, 400, 'idempotency_error', `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`);
    }
    if (first !== undefined) return void res.json(first.body);
    const json = res.json.bind(res);
    res.json = (body: unknown) => {
      if (res.statusCode < 400) answers.set(slot, { params, body });
      return json(body);
    };
    next();
  };
}

export interface StripeApiDeps {
  readonly ledger: StripeLedger;
  /** Where the hosted pages are, as a browser reaches them. */
  readonly hostedBase: () => string;
  /** Lets a test answer one read of a subscription late; the dev server answers at once. */
  readonly beforeSubscriptionRead?: (subscriptionId: string, asRead: Record<string, unknown>) => Promise<Record<string, unknown>>;
}

/** The form fields; none when the request had no body (Express 5 leaves req.body undefined). */
function bodyOf(req: Request): Record<string, any> {
  return (req.body ?? {}) as Record<string, any>;
}

function pageOf<T extends { id?: unknown }>(all: T[], query: Request['query'], url: string) {
  const limit = Math.min(100, Math.max(1, Number(query.limit ?? 10) || 10));
  const after = typeof query.starting_after === 'string' ? query.starting_after : undefined;
  const from = after === undefined ? 0 : all.findIndex((s) => s.id === after) + 1;
  return { object: 'list', data: all.slice(from, from + limit), has_more: from + limit < all.length, url };
}

/** The part of Stripe's API (/v1) Gatehouse uses, form-encoded as the SDK sends it. */
export function stripeApiRoutes(deps: StripeApiDeps): Router {
  const { ledger } = deps;
  const router = Router();
  router.post('/v1/customers', (req, res) => {
    res.json(ledger.createCustomer(bodyOf(req).email, bodyOf(req).metadata));
  });
  router.delete('/v1/customers/:id', (req, res) => {
    res.json(ledger.deleteCustomer(req.params.id));
  });
  router.post('/v1/checkout/sessions', (req, res) => {
    res.json(ledger.createCheckoutSession(bodyOf(req), deps.hostedBase()));
  });
  router.get('/v1/checkout/sessions/:id', (req, res) => {
    res.json(ledger.checkoutSession(req.params.id));
  });
  router.get('/v1/subscriptions', (req, res) => {
    const { customer, status } = req.query as Record<string, string | undefined>;
    res.json(pageOf(ledger.listSubscriptions({ customer, status }), req.query, '/v1/subscriptions'));
  });
  router.get('/v1/subscriptions/:id', async (req, res) => {
    const subscription = ledger.subscription(req.params.id);
    res.json(deps.beforeSubscriptionRead ? await deps.beforeSubscriptionRead(req.params.id, subscription) : subscription);
  });
  router.post('/v1/subscriptions/:id', (req, res) => {
    res.json(ledger.updateSubscription(req.params.id, bodyOf(req)));
  });
  router.delete('/v1/subscriptions/:id', (req, res) => {
    res.json(ledger.cancelSubscription(req.params.id));
  });
  router.post('/v1/billing_portal/sessions', (req, res) => {
    res.json(ledger.createPortalSession(bodyOf(req).customer, bodyOf(req).return_url, deps.hostedBase()));
  });
  router.get('/v1/prices', (req, res) => {
    const active = req.query.active;
    const all = [...ledger.prices.keys()].map((id) => ledger.price(id)!).filter((p) => active === undefined || String(p.active) === active);
    res.json(pageOf(all, req.query, '/v1/prices'));
  });
  router.get('/v1/prices/:id', (req, res) => {
    const price = ledger.price(req.params.id);
    if (price === undefined) return sendStripeError(res, 404, 'invalid_request_error', `No such price: '${req.params.id}'`, 'resource_missing');
    res.json(price);
  });
  router.use('/v1', (req, res) => sendStripeError(res, 404, 'invalid_request_error', `Unrecognized request URL (${req.method}: ${req.originalUrl}).`));
  return router;
}

/** The API's body parser: form-encoded, nested keys (line_items[0][price]) as the SDK sends them. */
export const apiBody = express.urlencoded({ extended: true, limit: '1mb' });

/** A refusal in Stripe's terms becomes its envelope; anything else is Stripe's 500. */
export function stripeErrors(error: unknown, _req: Request, res: Response, _next: NextFunction): void {
  if (error instanceof StripeRequestError) return sendStripeError(res, error.status, error.type, error.message, error.code);
  sendStripeError(res, 500, 'api_error', 'Something went wrong on the Stripe dev server.');
}
