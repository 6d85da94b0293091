import { Router, type RequestHandler } from 'express';
import type { PoliciesRepository } from '../consent/policies.repository';
import type { AccountsRepository } from '../auth/accounts.repository';
import { logOutAndDestroy } from '../auth/passport';
import type { BillingRepository } from '../billing/billing.repository';
import type { PlansService } from '../billing/plans';
import type { BillingService } from '../billing/billing.service';

const titles = { terms: 'Terms of Use', privacy: 'Privacy Policy' } as const;

export const requireSignIn: RequestHandler = (req, res, next) => {
  if (req.user) return next();
  res.redirect(303, `/signin?returnTo=${encodeURIComponent(req.originalUrl)}`);
};

export function accountRoutes(policies: PoliciesRepository, accounts: AccountsRepository, billingRepository: BillingRepository, plans: PlansService, billing: BillingService): Router {
  const router = Router();

  /** The signed-in account, or a fresh sign-in when it no longer exists. */
  const loadAccount: RequestHandler = async (req, res, next) => {
    const account = await accounts.findById(req.user!.id);
    if (account === undefined) {
      await logOutAndDestroy(req);
      return res.redirect(303, '/signin');
    }
    res.locals.accountDetails = account;
    next();
  };

  router.get('/account', requireSignIn, loadAccount, async (req, res) => {
    const consents = await policies.consentsOf(req.user!.id);
    const [subscription] = await billingRepository.subscriptionsOf(req.user!.id);
    const plan = subscription?.priceId ? await plans.find(subscription.priceId) : undefined;
    res.render('account', {
      title: 'Your account',
      consents,
      documentTitles: titles,
      subscription,
      planName: plan?.name ?? subscription?.priceId,
      hasCustomer: (await billingRepository.customerOf(req.user!.id)) !== undefined,
      billingConfigured: billing.configured,
    });
  });

  router.get('/account/data.json', requireSignIn, loadAccount, async (req, res) => {
    const account = res.locals.accountDetails as import('../auth/accounts.repository').Account;
    const consents = await policies.consentsOf(account.id);
    res.attachment('gatehouse-account-data.json');
    res.json({
      exportedAt: new Date().toISOString(),
      account: { id: account.id, email: account.email, createdAt: account.createdAt },
      subscriptions: (await billingRepository.subscriptionsOf(account.id)).map((s) => ({
        status: s.status,
        priceId: s.priceId,
        currentPeriodEnd: s.currentPeriodEnd,
        cancelAtPeriodEnd: s.cancelAtPeriodEnd,
      })),
      consents: consents.map((c) => ({
        document: c.document,
        version: c.policyVersion,
        wording: c.wording,
        method: c.method,
        acceptedAt: c.acceptedAt,
      })),
    });
  });

  return router;
}
