import { Router, type RequestHandler } from 'express';
import type { PoliciesRepository } from '../consent/policies.repository';

const titles = { terms: 'Terms of Use', privacy: 'Privacy Policy' } as const;

export const requireSignIn: RequestHandler = (req, res, next) => {
  if (req.user) return next();
  res.redirect(303, `/signin?returnTo=${encodeURIComponent(req.originalUrl)}`);
};

export function accountRoutes(policies: PoliciesRepository): Router {
  const router = Router();

  router.get('/account', requireSignIn, async (req, res) => {
    const consents = await policies.consentsOf(req.user!.id);
    res.render('account', { title: 'Your account', consents, documentTitles: titles });
  });

  router.get('/account/data.json', requireSignIn, async (req, res) => {
    const account = req.user!;
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
