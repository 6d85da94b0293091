import { Router } from 'express';
import { z } from 'zod';
import { safeReturnTo } from '../http/return-to';
import { AppError } from '../http/app-error';
import type { Csrf } from '../http/csrf';
import type { BillingService } from './billing.service';
import type { Messages } from '../http/i18n';

declare module 'express-session' {
  interface SessionData {
    /**
     * The path the reader last set out to subscribe from. A trial's Checkout Session carries
     * none (its idempotency key leaves the path out, so two tabs get one trial session): the
     * pages Stripe sends the reader back to find it here.
     */
    checkoutReturnTo?: string;
  }
}

const subscribeInput = z.object({
  priceId: z.string().max(255).optional(),
  returnTo: z.string().max(2048).optional(),
});

function subscribePath(priceId: string, returnTo: string): string {
  return `/subscribe?${new URLSearchParams({ priceId, returnTo }).toString()}`;
}

/** /subscribe, its return page, and the billing portal; the rules are BillingService's. */
export function billingRoutes(deps: { billing: BillingService; csrf: Csrf; messages: Messages }): Router {
  const { billing, csrf, messages } = deps;
  const router = Router();

  /**
   * Only a POST reaches Stripe. Anonymous readers sign up first and come back to the
   * GET page with their plan chosen, one click from Checkout.
   */
  router.post('/subscribe', async (req, res) => {
    const input = subscribeInput.safeParse(req.body ?? {});
    if (!input.success || !input.data.priceId) throw new AppError(400, messages.t('billing.choosePlan'));
    const { priceId } = input.data;
    const returnTo = safeReturnTo(input.data.returnTo);
    // Should Stripe fail, the error page leads back to the article, not only to the front page.
    res.locals.backTo = returnTo;
    if (req.user === undefined) {
      // Refused here already when the plan cannot be bought: no sign-up for nothing.
      await billing.offeredPlan(priceId);
      return res.redirect(303, `/signup?returnTo=${encodeURIComponent(subscribePath(priceId, returnTo))}`);
    }
    const url = await billing.startCheckout(req.user.id, priceId, returnTo);
    if (req.session !== undefined) req.session.checkoutReturnTo = returnTo;
    res.redirect(303, url);
  });

  /** The plans with their prices as kept, the one asked for (?priceId=) picked out; no view waits on Stripe but the very first fill. */
  router.get('/subscribe', async (req, res) => {
    const input = subscribeInput.safeParse(req.query);
    if (!input.success) throw new AppError(400, messages.t('billing.planInvalid'));
    const { plans, configured, subscribed } = await billing.plansFor(req.user?.id);
    res.render('plans', {
      title: messages.t('plans.title'),
      plans,
      selected: plans.find((p) => p.priceId === input.data.priceId)?.priceId,
      configured,
      subscribed,
      returnTo: safeReturnTo(input.data.returnTo ?? req.session?.checkoutReturnTo),
      csrfToken: req.user ? csrf.token(req) : undefined,
    });
  });

  router.get('/subscribe/success', async (req, res) => {
    const sessionId = typeof req.query.session_id === 'string' ? req.query.session_id : '';
    const returnTo = safeReturnTo(req.query.returnTo ?? req.session?.checkoutReturnTo);
    if (!req.user) return res.redirect(303, `/signin?returnTo=${encodeURIComponent(req.originalUrl)}`);
    if (!/^cs_[A-Za-z0-9_]{1,255}$/.test(sessionId)) throw new AppError(400, messages.t('billing.checkoutInvalid'));
    const state = await billing.completeCheckout(req.user.id, sessionId);
    res.render('subscribe-success', { title: messages.t(state === 'complete' ? 'subscribed.title' : 'subscribed.pendingTitle'), state, returnTo });
  });

  router.post('/billing/portal', async (req, res) => {
    if (!req.user) return res.redirect(303, '/signin?returnTo=%2Faccount');
    res.redirect(303, await billing.portalUrl(req.user.id, '/account'));
  });

  return router;
}
