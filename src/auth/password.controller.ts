import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Csrf } from '../http/csrf';
import { tokenInAddress } from '../http/security';
import { AppError } from '../http/app-error';
import { emailSchema } from './email';
import { PasswordRejected, type PasswordsService } from './passwords.service';
import { clientAddress, networkOf } from '../http/network';

const tokenPattern = /^[A-Za-z0-9_-]{43}$/;
const field = z.string().max(4096).optional();

export function passwordRoutes(deps: { passwords: PasswordsService; csrf: Csrf; passwordMinLength: number }): Router {
  const router = Router();

  async function render(req: Request, res: Response, view: string, status: number, data: Record<string, unknown>) {
    const csrfToken = deps.csrf.token(req);
    res.status(status).render(view, { ...data, csrfToken, passwordMinLength: deps.passwordMinLength });
  }

  router.get('/password/forgot', (req, res) => render(req, res, 'forgot', 200, { title: 'Reset your password', sent: false, values: {} }));

  router.post('/password/forgot', async (req, res) => {
    const form = z.object({ email: field }).safeParse(req.body ?? {});
    const email = emailSchema.safeParse(form.success ? (form.data.email ?? '') : '');
    if (!email.success) {
      return render(req, res, 'forgot', 400, { title: 'Reset your password', sent: false, values: { email: form.success ? form.data.email : '' }, error: email.error.issues[0]?.message });
    }
    await deps.passwords.forgot(email.data, networkOf(clientAddress(req)));
    // The same page whether or not an account has this email.
    await render(req, res, 'forgot', 200, { title: 'Check your email', sent: true, values: { email: email.data } });
  });

  router.use('/password/reset', tokenInAddress);

  router.get('/password/reset/:token', async (req, res) => {
    const token = req.params.token;
    if (!tokenPattern.test(token) || !(await deps.passwords.tokenIsValid(token))) throw new AppError(400, 'This reset link has expired or was already used. Ask for a new one.');
    await render(req, res, 'reset', 200, { title: 'Choose a new password', token });
  });

  router.post('/password/reset/:token', async (req, res) => {
    const token = req.params.token;
    const form = z.object({ password: field }).safeParse(req.body ?? {});
    const password = form.success ? (form.data.password ?? '') : '';
    if (!tokenPattern.test(token)) throw new AppError(400, 'This reset link has expired or was already used. Ask for a new one.');
    try {
      if (!(await deps.passwords.reset(token, password))) throw new AppError(400, 'This reset link has expired or was already used. Ask for a new one.');
    } catch (error) {
      if (!(error instanceof PasswordRejected)) throw error;
      return render(req, res, 'reset', 400, { title: 'Choose a new password', token, error: error.message });
    }
    res.redirect(303, '/signin?reset=1');
  });

  return router;
}
