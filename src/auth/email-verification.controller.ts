import { Router, type Request, type Response } from 'express';
import type { Csrf } from '../http/csrf';
import { tokenInAddress } from '../http/security';
import type { EmailToken } from './email-tokens.repository';
import type { EmailVerificationService } from './email-verification.service';
import { tokenPattern } from './signin-links.controller';
import type { Messages } from '../http/i18n';

/** `/account/verify/:token`: GET shows a button, POST spends the link (mail scanners only GET). */
export function emailVerificationRoutes(deps: { verification: EmailVerificationService; csrf: Csrf; messages: Messages }): Router {
  const router = Router();
  const { messages } = deps;

  router.use('/account/verify', tokenInAddress);

  async function render(req: Request, res: Response, view: string, status: number, data: Record<string, unknown>) {
    const csrfToken = deps.csrf.token(req);
    res.status(status).render(view, { ...data, csrfToken });
  }

  const invalid = (req: Request, res: Response, message = messages.t('verify.invalid')) =>
    render(req, res, 'email-link-invalid', 400, {
      title: messages.t('common.linkInvalid'),
      message,
      again: req.user ? '/account' : '/signin/email',
      againLabel: messages.t(req.user ? 'verify.askFromAccount' : 'verify.signInWithLink'),
    });

  // A sign-up confirmation is for the reader signed in to that account (SPEC section 6):
  // anyone else is asked to sign in, and comes back here after.
  const signInFirst = (req: Request, res: Response, status: number, link: EmailToken, token: string) =>
    render(req, res, 'verify-email-signin', status, {
      title: messages.t('verify.signinTitle'),
      link,
      otherAccount: req.user !== undefined,
      signinHref: `/signin?${req.user ? 'reauth=1&' : ''}returnTo=${encodeURIComponent(`/account/verify/${token}`)}`,
    });

  router.get('/account/verify/:token', async (req, res) => {
    const token = req.params.token;
    const link = tokenPattern.test(token) ? await deps.verification.linkFor(token) : undefined;
    if (link === undefined) return invalid(req, res);
    if (link.accountId !== req.user?.id) return signInFirst(req, res, 200, link, token);
    await render(req, res, 'verify-email', 200, { title: messages.t('verify.title'), link, token, done: false });
  });

  router.post('/account/verify/:token', async (req, res) => {
    const token = req.params.token;
    if (!tokenPattern.test(token)) return invalid(req, res);
    const result = await deps.verification.confirm(token, { accountId: req.user?.id, sid: req.sessionID });
    if (result.outcome === 'invalid') return invalid(req, res);
    if (result.outcome === 'sign-in-needed') return signInFirst(req, res, 403, result.link, token);
    if (result.outcome === 'taken') return invalid(req, res, messages.t('verify.taken'));
    if (result.outcome === 'changed') return res.redirect(303, '/account?changed=email');
    await render(req, res, 'verify-email', 200, { title: messages.t('verify.doneTitle'), done: true });
  });

  return router;
}
