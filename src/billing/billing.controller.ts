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

  /** Anonymous readers sign up first, then come straight back here and on to Checkout. */
  async function checkout(req: Request, priceId: string, returnTo: string): Promise<string> {
    if (!deps.billing.configured) throw new AppError(503, 'Subscriptions are not available yet: billing has not been set up for this site.');
    if ((await deps.plans.find(priceId)) === undefined) throw new AppError(400, 'That plan is not offered. Choose one of the plans listed.');
    const account = await accountOf(req);
    if (account === undefined) return `/signup?returnTo=${encodeURIComponent(subscribePath(priceId, returnTo))}`;
    return deps.billing.startCheckout(account, priceId, returnTo);
  }

  router.get('/subscribe', async (req, res) => {
    const input = subscribeInput.safeParse(req.query);
    if (!input.success) throw new AppError(400, 'The plan asked for is not valid.');
    const returnTo = safeReturnTo(input.data.returnTo);
    if (input.data.priceId) return res.redirect(303, await checkout(req, input.data.priceId, returnTo));
    res.render('plans', {
      title: 'Subscribe',
      plans: await deps.plans.list(),
      configured: deps.billing.configured,
      returnTo,
      csrfToken: req.user ? deps.csrf.token(req) : undefined,
    });
  });

  router.post('/subscribe', async (req, res) => {
    const input = subscribeInput.safeParse(req.body ?? {});
    if (!input.success || !input.data.priceId) throw new AppError(400, 'Choose a plan to subscribe to.');
    res.redirect(303, await checkout(req, input.data.priceId, safeReturnTo(input.data.returnTo)));
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
