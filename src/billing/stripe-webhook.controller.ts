import express, { Router } from 'express';
import type Stripe from 'stripe';
import type { StripeWebhookService } from './stripe-webhook.service';

/**
 * POST /webhooks/stripe. Mounted before the app's body parsers: the signature covers the
 * raw bytes, so this route alone reads its body raw.
 */
export function stripeWebhookRoutes(deps: { stripe: Stripe | undefined; secret: string | undefined; service: StripeWebhookService }): Router {
  const { stripe, secret, service } = deps;
  const router = Router();
  router.post('/webhooks/stripe', express.raw({ type: () => true, limit: '1mb' }), async (req, res) => {
    if (stripe === undefined || secret === undefined) {
      res.status(503).json({ error: 'Billing is not configured (STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET).' });
      return;
    }
    const signature = req.headers['stripe-signature'];
    if (typeof signature !== 'string' || !Buffer.isBuffer(req.body)) {
      res.status(400).json({ error: 'Missing Stripe-Signature header or body.' });
      return;
    }
    let event: Stripe.Event;
    try {
      event = stripe.webhooks.constructEvent(req.body, signature, secret);
    } catch {
      res.status(400).json({ error: 'The Stripe signature does not match this body, or it is too old.' });
      return;
    }
    // A failure here propagates to the error handler: 5xx, and Stripe retries.
    const outcome = await service.handle(event);
    // Written out rather than through res.json: Stripe never revalidates an answer, so the
    // ETag (a SHA-1 of the body) and freshness check res.send would add are work for nobody.
    res.status(200).set('Content-Type', 'application/json; charset=utf-8').end(JSON.stringify({ received: true, outcome }));
  });
  return router;
}
