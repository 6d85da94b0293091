import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Csrf } from '../http/csrf';
import { tokenInAddress } from '../http/security';
import { emailSchemaFor } from './email';
import type { Messages } from '../http/i18n';
import { PasswordRejected, type PasswordsService } from './passwords.service';
import { clientAddress, networkOf } from '../http/network';

const tokenPattern = /^[A-Za-z0-9_-]{43}$/;
const field = z.string().max(4096).optional();

export function passwordRoutes(deps: { passwords: PasswordsService; csrf: Csrf; passwordMinLength: number; messages: Messages }): Router {
  const router = Router();
  const { messages } = deps;
  const emailSchema = emailSchemaFor(messages);

  async function render(req: Request, res: Response, view: string, status: number, data: Record<string, unknown>) {
    const csrfToken = deps.csrf.token(req);
    res.status(status).render(view, { ...data, csrfToken, passwordMinLength: deps.passwordMinLength });
  }

  /** A used or expired link: the page says why, and offers to ask for a new one (as for sign-in links). */
  const linkSpent = (req: Request, res: Response) =>
    render(req, res, 'email-link-invalid', 400, { title: messages.t('common.linkInvalid'), message: messages.t('reset.linkInvalid'), again: '/password/forgot', againLabel: messages.t('reset.askAgain') });

  router.get('/password/forgot', (req, res) => render(req, res, 'forgot', 200, { title: messages.t('forgot.title'), sent: false, values: {} }));

  router.post('/password/forgot', async (req, res) => {
    const form = z.object({ email: field }).safeParse(req.body ?? {});
    const email = emailSchema.safeParse(form.success ? (form.data.email ?? '') : '');
    if (!email.success) {
      return render(req, res, 'forgot', 400, { title: messages.t('forgot.title'), sent: false, values: { email: form.success ? form.data.email : '' }, error: email.error.issues[0]?.message });
    }
    await deps.passwords.forgot(email.data, networkOf(clientAddress(req)));
    // The same page whether or not an account has this email.
    await render(req, res, 'forgot', 200, { title: messages.t('common.checkEmail'), sent: true, values: { email: email.data } });
  });

  router.use('/password/reset', tokenInAddress);

  router.get('/password/reset/:token', async (req, res) => {
    const token = req.params.token;
    if (!tokenPattern.test(token) || !(await deps.passwords.tokenIsValid(token))) return linkSpent(req, res);
    await render(req, res, 'reset', 200, { title: messages.t('reset.title'), token });
  });

  router.post('/password/reset/:token', async (req, res) => {
    const token = req.params.token;
    const form = z.object({ password: field }).safeParse(req.body ?? {});
    const password = form.success ? (form.data.password ?? '') : '';
    if (!tokenPattern.test(token)) return linkSpent(req, res);
    try {
      if (!(await deps.passwords.reset(token, password))) return linkSpent(req, res);
    } catch (error) {
      if (!(error instanceof PasswordRejected)) throw error;
      return render(req, res, 'reset', 400, { title: messages.t('reset.title'), token, error: error.message });
    }
    res.redirect(303, '/signin?reset=1');
  });

  return router;
}
