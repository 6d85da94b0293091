import { Router, type Request, type RequestHandler } from 'express';
import { documentTitles as titles, type PoliciesRepository } from '../consent/policies.repository';
import type { AccountsRepository } from '../auth/accounts.repository';
import { logOutAndDestroy } from '../auth/passport';
import type { BillingRepository } from '../billing/billing.repository';
import type { PlansService } from '../billing/plans';
import type { BillingService } from '../billing/billing.service';
import { PasswordRejected, recentSignInMs, type PasswordsService } from '../auth/passwords.service';
import { emailSchema } from '../auth/email';
import { z } from 'zod';
import type { AccountDeletion } from './account-deletion';
import { EmailChangeRejected, type EmailVerificationService } from '../auth/email-verification.service';
import { clientAddress, networkOf } from '../http/network';


/** Whether this session signed in within the last minutes (the proof for passwordless accounts). */
function recentSignIn(req: Request): boolean {
  return Date.now() - (req.session.authAt ?? 0) < recentSignInMs;
}

export const requireSignIn: RequestHandler = (req, res, next) => {
  if (req.user) return next();
  res.redirect(303, `/signin?returnTo=${encodeURIComponent(req.originalUrl)}`);
};

export function accountRoutes(policies: PoliciesRepository, accounts: AccountsRepository, billingRepository: BillingRepository, plans: PlansService, billing: BillingService, passwords: PasswordsService, deletion: AccountDeletion, emailVerification: EmailVerificationService): Router {
  const router = Router();
  const field = z.string().max(4096).optional();

  async function renderAccount(req: import('express').Request, res: import('express').Response, status: number, extra: Record<string, unknown> = {}) {
    const consents = await policies.consentsOf(req.user!.id);
    const [subscription] = await billingRepository.subscriptionsOf(req.user!.id);
    const plan = subscription?.priceId ? await plans.find(subscription.priceId) : undefined;
    const changed = req.query.changed;
    res.status(status).render('account', {
      title: 'Your account',
      consents,
      documentTitles: titles,
      subscription,
      planName: plan?.name ?? subscription?.priceId,
      hasCustomer: (await billingRepository.customerOf(req.user!.id)) !== undefined,
      billingConfigured: billing.configured,
      notice: changed === 'password' ? 'Your password has been changed. Other devices have been signed out.' : changed === 'email' ? 'Your email address has been changed. Other devices have been signed out.' : undefined,
      errors: {},
      ...extra,
    });
  }

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

  router.get('/account', requireSignIn, loadAccount, (req, res) => renderAccount(req, res, 200));

  router.post('/account/password', requireSignIn, loadAccount, async (req, res) => {
    const form = z.object({ currentPassword: field, newPassword: field }).safeParse(req.body ?? {});
    const current = form.success ? (form.data.currentPassword ?? '') : '';
    const next = form.success ? (form.data.newPassword ?? '') : '';
    try {
      await passwords.changePassword(req.user!.id, current, next, req.sessionID, networkOf(clientAddress(req)), recentSignIn(req));
    } catch (error) {
      if (!(error instanceof PasswordRejected)) throw error;
      return renderAccount(req, res, 400, { errors: { [error.field === 'currentPassword' ? 'currentPassword' : 'newPassword']: error.message } });
    }
    res.redirect(303, '/account?changed=password');
  });

  router.get('/account/delete', requireSignIn, loadAccount, (_req, res) => {
    res.render('account-delete', { title: 'Delete your account', errors: {} });
  });

  router.post('/account/delete', requireSignIn, loadAccount, async (req, res) => {
    const form = z.object({ password: field }).safeParse(req.body ?? {});
    try {
      await passwords.confirm(req.user!.id, form.success ? (form.data.password ?? '') : '', networkOf(clientAddress(req)), recentSignIn(req));
    } catch (error) {
      if (!(error instanceof PasswordRejected)) throw error;
      return res.status(400).render('account-delete', { title: 'Delete your account', errors: { password: res.locals.accountDetails.hasPassword ? 'That is not your password.' : error.message } });
    }
    await deletion.delete(req.user!.id);
    await logOutAndDestroy(req);
    res.clearCookie(req.app.get('session cookie name') as string);
    res.render('account-deleted', { title: 'Your account has been deleted', account: undefined });
  });

  router.post('/account/email', requireSignIn, loadAccount, async (req, res) => {
    const form = z.object({ newEmail: field, password: field }).safeParse(req.body ?? {});
    const email = emailSchema.safeParse(form.success ? (form.data.newEmail ?? '') : '');
    if (!email.success) return renderAccount(req, res, 400, { errors: { newEmail: email.error.issues[0]?.message ?? 'Enter a valid email address.' } });
    try {
      await passwords.confirm(req.user!.id, form.success ? (form.data.password ?? '') : '', networkOf(clientAddress(req)), recentSignIn(req));
      // The change waits for the link mailed to the new address (SPEC section 6).
      await emailVerification.requestChange(req.user!.id, email.data);
    } catch (error) {
      if (error instanceof EmailChangeRejected) return renderAccount(req, res, 400, { errors: { newEmail: error.message } });
      if (!(error instanceof PasswordRejected)) throw error;
      return renderAccount(req, res, 400, { errors: { [error.field === 'email' ? 'newEmail' : 'emailPassword']: error.message } });
    }
    await renderAccount(req, res, 200, { notice: `We have sent a link to ${email.data}. Your email address changes when you follow it; until then it stays as it is.` });
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
