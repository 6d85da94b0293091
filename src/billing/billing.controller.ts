import { Router, type Request } from 'express';
import { z } from 'zod';
import type { AccountsRepository } from '../auth/accounts.repository';
import { safeReturnTo } from '../auth/return-to';
import { AppError } from '../http/app-error';
import type { Csrf } from '../http/csrf';
import type { BillingService } from './billing.service';
import type { PlansService } from './plans';

const subscribeInput = z.object({
  priceId: z.string().max(255).optional(),
  returnTo: z.string().max(2048).optional(),
});

function subscribePath(priceId: string, returnTo: string): string {
  return `/subscribe?${new URLSearchParams({ priceId, returnTo }).toString()}`;
}

export function billingRoutes(deps: { billing: BillingService; plans: PlansService; accounts: AccountsRepository; csrf: Csrf }): Router {
  const router = Router();

  async function accountOf(req: Request) {
    const account = req.user ? await deps.accounts.findById(req.user.id) : undefined;
    return account;
  }

  /**
   * Only a POST reaches Stripe. Anonymous readers sign up first and come back to the
   * GET page with their plan chosen, one click from Checkout.
   */
  router.post('/subscribe', async (req, res) => {
    const input = subscribeInput.safeParse(req.body ?? {});
    if (!input.success || !input.data.priceId) throw new AppError(400, 'Choose a plan to subscribe to.');
    const { priceId } = input.data;
    const returnTo = safeReturnTo(input.data.returnTo);
    if (!deps.billing.configured) throw new AppError(503, 'Subscriptions are not available yet: billing has not been set up for this site.');
    if ((await deps.plans.find(priceId)) === undefined) throw new AppError(400, 'That plan is not offered. Choose one of the plans listed.');
    const account = await accountOf(req);
    if (account === undefined) return res.redirect(303, `/signup?returnTo=${encodeURIComponent(subscribePath(priceId, returnTo))}`);
    res.redirect(303, await deps.billing.startCheckout(account, priceId, returnTo));
  });

  /** The plans, the one asked for (?priceId=) picked out; nothing here calls Stripe. */
  router.get('/subscribe', async (req, res) => {
    const input = subscribeInput.safeParse(req.query);
    if (!input.success) throw new AppError(400, 'The plan asked for is not valid.');
    const plans = await deps.plans.list();
    const selected = plans.find((p) => p.priceId === input.data.priceId)?.priceId;
    res.render('plans', {
      title: 'Subscribe',
      plans,
      selected,
      configured: deps.billing.configured,
      subscribed: req.user ? await deps.billing.hasRunningSubscription(req.user.id) : false,
      returnTo: safeReturnTo(input.data.returnTo),
      csrfToken: req.user ? deps.csrf.token(req) : undefined,
    });
  });

  router.get('/subscribe/success', async (req, res) => {
    const sessionId = typeof req.query.session_id === 'string' ? req.query.session_id : '';
    const returnTo = safeReturnTo(req.query.returnTo);
    if (!req.user) return res.redirect(303, `/signin?returnTo=${encodeURIComponent(req.originalUrl)}`);
    if (!/^cs_[A-Za-z0-9_]{1,255}$/.test(sessionId)) throw new AppError(400, 'This checkout link is not valid.');
    const state = await deps.billing.completeCheckout(req.user.id, sessionId);
    res.render('subscribe-success', { title: state === 'complete' ? 'Welcome, subscriber' : 'Confirming your subscription', state, returnTo });
  });

  router.post('/billing/portal', async (req, res) => {
    if (!req.user) return res.redirect(303, '/signin?returnTo=%2Faccount');
    if (!deps.billing.configured) throw new AppError(503, 'Billing has not been set up for this site.');
    res.redirect(303, await deps.billing.portalUrl(req.user.id, '/account'));
  });

  return router;
}
