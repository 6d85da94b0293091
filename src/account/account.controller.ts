import { Router, type RequestHandler } from 'express';
import type { PoliciesRepository } from '../consent/policies.repository';
import type { AccountsRepository } from '../auth/accounts.repository';
import { logOutAndDestroy } from '../auth/passport';

const titles = { terms: 'Terms of Use', privacy: 'Privacy Policy' } as const;

export const requireSignIn: RequestHandler = (req, res, next) => {
  if (req.user) return next();
  res.redirect(303, `/signin?returnTo=${encodeURIComponent(req.originalUrl)}`);
};

export function accountRoutes(policies: PoliciesRepository, accounts: AccountsRepository): Router {
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
    res.render('account', { title: 'Your account', consents, documentTitles: titles });
  });

  router.get('/account/data.json', requireSignIn, loadAccount, async (req, res) => {
    const account = res.locals.accountDetails as import('../auth/accounts.repository').Account;
    const consents = await policies.consentsOf(account.id);
    res.attachment('gatehouse-account-data.json');
    res.json({
      exportedAt: new Date().toISOString(),
      account: { id: account.id, email: account.email, createdAt: account.createdAt },
      subscription: { status: 'none' },
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
