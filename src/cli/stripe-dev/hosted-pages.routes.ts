import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { hostedPagesCss } from './hosted-pages.css';
import { checkoutClosedPage, checkoutPage, notFoundPage, portalPage, type PortalNotice } from './hosted-pages.views';
import type { StripeLedger } from './stripe-ledger';
import { StripeRequestError } from './stripe-request-error';
import type { StripeObject } from './stripe-objects';

/**
 * The pages a browser is sent to: Checkout (/c/pay/:id) and the billing portal
 * (/p/session/:id). No API key here, as at Stripe: the session's unguessable id in the
 * address is what lets the reader in, and it only reaches that session's customer.
 */
export function hostedPagesRoutes(deps: { ledger: StripeLedger }): Router {
  const { ledger } = deps;
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '16kb' });

  router.get('/assets/stripe-dev.css', (_req, res) => {
    res.type('text/css').set('Cache-Control', 'no-cache').send(hostedPagesCss);
  });
  // No icon, and no error in the browser's console for want of one.
  router.get('/favicon.ico', (_req, res) => void res.status(204).end());

  /** An open session past its expiry is expired from now on, as Stripe does. */
  const sessionAt = (id: string): StripeObject | undefined => {
    const session = ledger.sessions.get(id);
    if (session?.status === 'open' && ledger.now() > Number(session.expires_at)) session.status = 'expired';
    return session;
  };
  const successUrlOf = (session: StripeObject) => (typeof session.success_url === 'string' ? session.success_url.replaceAll('{CHECKOUT_SESSION_ID}', String(session.id)) : undefined);

  router.get('/c/pay/:id', (req, res) => {
    const session = sessionAt(req.params.id);
    if (session === undefined) return sendPage(res.status(404), notFoundPage());
    if (session.status !== 'open') return sendPage(res, checkoutClosedPage(session, successUrlOf(session)));
    const customer = typeof session.customer === 'string' ? ledger.customers.get(session.customer) : undefined;
    const email = (customer?.email ?? session.customer_email ?? null) as string | null;
    // A price the server no longer offers (restarted with other --price flags).
    const price = ledger.price(session.priceId as string);
    if (price === undefined) return sendPage(res.status(404), notFoundPage());
    // Pay answers with a redirect to the site: the form may go there.
    sendPage(res, checkoutPage(session, price, email), [successUrlOf(session)]);
  });

  /** Pay: once only; a second click (or a replay) goes to the same success page and pays nothing more. */
  router.post('/c/pay/:id', (req, res) => {
    const session = sessionAt(req.params.id);
    if (session === undefined) return sendPage(res.status(404), notFoundPage());
    if (session.status === 'expired') return sendPage(res.status(410), checkoutClosedPage(session, undefined));
    if (session.status === 'open') ledger.pay(req.params.id);
    const success = successUrlOf(session);
    if (success === undefined) return sendPage(res, checkoutClosedPage(session, undefined));
    res.redirect(303, success);
  });

  const portalOf = (req: Request) => {
    const portal = ledger.portalSessions.get(String(req.params.id));
    if (portal === undefined) throw new StripeRequestError(404, 'invalid_request_error', 'No such portal session');
    return portal;
  };
  /** A subscription of the portal's customer, and no one else's. */
  const ownSubscription = (portal: StripeObject, id: string) => {
    const subscription = ledger.subscriptions.get(id);
    if (subscription === undefined || subscription.customer !== portal.customer || subscription.status === 'canceled') throw new StripeRequestError(404, 'invalid_request_error', 'No such subscription');
    return subscription;
  };

  router.get('/p/session/:id', (req, res) => {
    const portal = portalOf(req);
    const notice = z.enum(['canceled', 'switched']).optional().catch(undefined).parse(req.query.done) as PortalNotice | undefined;
    const customer = ledger.customers.get(String(portal.customer));
    sendPage(res, portalPage({
      portal,
      email: (customer?.email ?? null) as string | null,
      subscriptions: ledger.listSubscriptions({ customer: String(portal.customer) }),
      prices: [...ledger.prices.keys()].map((id) => ledger.price(id)!),
      notice,
    }));
  });

  router.post('/p/session/:id/subscriptions/:subscription/cancel', (req, res) => {
    const portal = portalOf(req);
    ledger.cancelSubscription(ownSubscription(portal, req.params.subscription).id as string);
    res.redirect(303, `/p/session/${String(portal.id)}?done=canceled`);
  });

  router.post('/p/session/:id/subscriptions/:subscription/switch', form, (req, res) => {
    const portal = portalOf(req);
    const subscription = ownSubscription(portal, req.params.subscription);
    const price = z.object({ price: z.string().max(255) }).safeParse(req.body ?? {});
    if (!price.success || !ledger.prices.has(price.data.price)) throw new StripeRequestError(400, 'invalid_request_error', 'No such price');
    ledger.switchPrice(subscription.id as string, price.data.price);
    res.redirect(303, `/p/session/${String(portal.id)}?done=switched`);
  });

  router.use(['/c', '/p'], (error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (!(error instanceof StripeRequestError)) return next(error);
    sendPage(res.status(error.status), notFoundPage());
  });
  return router;
}

/** A page with a strict policy: nothing but this server's stylesheet, forms to here (and where they redirect). */
function sendPage(res: Response, markup: string, formTargets: readonly (string | undefined)[] = []): void {
  const origins = formTargets.flatMap((url) => {
    try {
      return url === undefined ? [] : [new URL(url).origin];
    } catch {
      return [];
    }
  });
  res.set({
    'Content-Security-Policy': `default-src 'none'; style-src 'self'; form-action 'self' ${origins.join(' ')}; frame-ancestors 'none'; base-uri 'none'`.replace(' ;', ';'),
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
  });
  res.type('html').send(markup);
}
