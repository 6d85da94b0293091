import { Router, type Request, type RequestHandler, type Response } from 'express';
import { clearSessionCookie } from '../http/cookies';
import { z } from 'zod';
import type { Clock } from '../config/clock';
import { EmailChangeRejected, EmailChangeThrottled, PasswordRejected, emailSchemaFor, logOutAndDestroy, recentSignInMs, type Account, type EmailVerificationService, type PasswordsService } from '../auth/auth.module';
import { clientAddress, networkOf } from '../http/network';
import type { Messages } from '../http/i18n';
import type { AccountDeletion } from './account-deletion';
import type { AccountService } from './account.service';
import type { AccountReaderOf } from './ports';

export interface AccountRoutesDeps {
  readonly service: AccountService;
  readonly deletion: Pick<AccountDeletion, 'delete'>;
  readonly passwords: Pick<PasswordsService, 'changePassword' | 'confirm'>;
  readonly emailVerification: Pick<EmailVerificationService, 'requestChange'>;
  readonly readerOf: AccountReaderOf;
  readonly clock: Clock;
  readonly messages: Messages;
}

export const requireSignIn: RequestHandler = (req, res, next) => {
  if (req.user) return next();
  res.redirect(303, `/signin?returnTo=${encodeURIComponent(req.originalUrl)}`);
};

const field = z.string().max(4096).optional();

/** `/account*` pages and the data export, and `GET /api/me`. */
export function accountRoutes(deps: AccountRoutesDeps): Router {
  const router = Router();
  const { service, passwords, messages } = deps;
  const emailSchema = emailSchemaFor(messages);

  /** Whether this session signed in within the last minutes (the proof for passwordless accounts). */
  const recentSignIn = (req: Request) => deps.clock() - (req.session.authAt ?? 0) < recentSignInMs;
  const proofOf = (req: Request, password: string) => ({ accountId: req.user!.id, password, network: networkOf(clientAddress(req)), recentSignIn: recentSignIn(req) });

  async function renderAccount(req: Request, res: Response, status: number, extra: Record<string, unknown> = {}) {
    const page = await service.page(req.user!.id);
    const changed = req.query.changed;
    res.status(status).render('account', {
      title: messages.t('common.yourAccount'),
      ...page,
      notice: changed === 'password' ? messages.t('account.noticePassword') : changed === 'email' ? messages.t('account.noticeEmail') : undefined,
      // Until a new password is set, the reader is told why theirs is gone (an emailed link removed one set before the address was confirmed).
      warning: req.session.passwordRemoved !== undefined && !(res.locals.accountDetails as Account).hasPassword ? messages.t('account.warningPasswordRemoved') : undefined,
      errors: {},
      ...extra,
    });
  }

  /** The signed-in account, or a fresh sign-in when it no longer exists. */
  const loadAccount: RequestHandler = async (req, res, next) => {
    const account = await service.account(req.user!.id);
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
      await passwords.changePassword(proofOf(req, current), next, req.sessionID);
    } catch (error) {
      if (!(error instanceof PasswordRejected)) throw error;
      return renderAccount(req, res, 400, { errors: { [error.field === 'currentPassword' ? 'currentPassword' : 'newPassword']: error.message } });
    }
    delete req.session.passwordRemoved;
    res.redirect(303, '/account?changed=password');
  });

  router.get('/account/delete', requireSignIn, loadAccount, (_req, res) => {
    res.render('account-delete', { title: messages.t('accountDelete.title'), errors: {} });
  });

  router.post('/account/delete', requireSignIn, loadAccount, async (req, res) => {
    const form = z.object({ password: field }).safeParse(req.body ?? {});
    try {
      await passwords.confirm(proofOf(req, form.success ? (form.data.password ?? '') : ''));
    } catch (error) {
      if (!(error instanceof PasswordRejected)) throw error;
      return res.status(400).render('account-delete', { title: messages.t('accountDelete.title'), errors: { password: (res.locals.accountDetails as Account).hasPassword ? messages.t('password.notYours') : error.message } });
    }
    await deps.deletion.delete(req.user!.id);
    await logOutAndDestroy(req);
    clearSessionCookie(req, res);
    res.render('account-deleted', { title: messages.t('accountDeleted.title'), account: undefined });
  });

  router.post('/account/email', requireSignIn, loadAccount, async (req, res) => {
    const form = z.object({ newEmail: field, password: field }).safeParse(req.body ?? {});
    const email = emailSchema.safeParse(form.success ? (form.data.newEmail ?? '') : '');
    if (!email.success) return renderAccount(req, res, 400, { errors: { newEmail: email.error.issues[0]?.message ?? messages.t('email.invalidShort') } });
    try {
      await passwords.confirm(proofOf(req, form.success ? (form.data.password ?? '') : ''));
      // The change waits for the link mailed to the new address (SPEC section 6).
      await deps.emailVerification.requestChange(req.user!.id, email.data);
    } catch (error) {
      if (error instanceof EmailChangeRejected) return renderAccount(req, res, 400, { errors: { newEmail: error.message } });
      if (error instanceof EmailChangeThrottled) {
        res.set('Retry-After', String(error.retryAfterSeconds));
        return renderAccount(req, res, 429, { errors: { newEmail: error.message } });
      }
      if (!(error instanceof PasswordRejected)) throw error;
      return renderAccount(req, res, 400, { errors: { [error.field === 'email' ? 'newEmail' : 'emailPassword']: error.message } });
    }
    await renderAccount(req, res, 200, { notice: messages.t('account.noticeEmailSent', { email: email.data }) });
  });

  router.get('/account/data.json', requireSignIn, loadAccount, async (_req, res) => {
    const data = await service.dataExport(res.locals.accountDetails as Account);
    res.attachment('gatehouse-account-data.json');
    res.json(data);
  });

  // The same reader the pages see, counting nothing (SPEC section 5).
  router.get('/api/me', async (req, res) => {
    const me = await service.me(await deps.readerOf(req, res, 'peek'));
    res.set('Cache-Control', 'private, no-store');
    res.json(me);
  });

  return router;
}
