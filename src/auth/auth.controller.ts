import { Router, type Request, type Response } from 'express';
import { clearSessionCookie } from '../http/cookies';
import type { Authenticator } from './passport';
import { z } from 'zod';
import type { AccountsService } from './accounts.service';
import { SignupRejected } from './accounts.service';
import { authenticateLocal, logOutAndDestroy } from './passport';
import { completeSignIn } from './sign-in-methods';
import { emailSchemaFor } from './email';
import type { Messages } from '../http/i18n';
import { safeReturnTo } from '../http/return-to';
import type { SigninThrottle } from './signin-throttle';
import type { Csrf } from '../http/csrf';
import type { Clock } from '../config/clock';
import { passwordMaxLength, passwordProblems } from './passwords';
import type { FunnelSink } from '../funnel/funnel.module';
import type { MeterCarryOver } from './ports';
import { clientAddress, networkOf } from '../http/network';
import { boxTicked } from '../consent/consent.module';

const field = z.string().max(4096).optional();
const signupForm = z.object({ email: field, password: field, returnTo: field, termsVersion: field, privacyVersion: field, newsletter: field });
const signinForm = z.object({ email: field, password: field, returnTo: field });

export interface AuthRoutesDeps {
  readonly accounts: AccountsService;
  readonly passport: Authenticator;
  readonly throttle: SigninThrottle;
  readonly csrf: Csrf;
  readonly meter: MeterCarryOver;
  readonly funnel: FunnelSink;
  readonly passwordMinLength: number;
  readonly clock: Clock;
  readonly emailVerification: { sendForSignup(account: { id: string; email: string }): Promise<void> };
  readonly messages: Messages;
}

/** The emailed sign-in link's form, with what the reader already typed. */
function emailLinkHref(values: { email?: string; returnTo: string }): string {
  const query = new URLSearchParams({ ...(values.email ? { email: values.email } : {}), returnTo: values.returnTo });
  return `/signin/email?${query.toString()}`;
}

/** The sign-in page; `passwordStep` when the gate's email led here (the email is filled in). */
export async function renderSigninPage(deps: { csrf: Csrf; messages: Messages }, req: Request, res: Response, status: number, values: { email?: string; returnTo: string }, page: SigninPage = {}): Promise<void> {
  const { messages } = deps;
  const csrfToken = deps.csrf.token(req);
  const notice = req.query.reset === '1' ? messages.t('signin.noticeReset') : req.query.reauth === '1' ? messages.t('signin.noticeReauth') : undefined;
  res.status(status).render('signin', { title: messages.t('common.signIn'), values, ...page, notice, emailLinkHref: emailLinkHref(values), csrfToken, returnTo: values.returnTo });
}

interface SigninPage {
  readonly error?: string;
  /** The input the error is about: the error summary links to it, and it is marked invalid. */
  readonly errorField?: 'email' | 'password';
  /** A throttled reader is offered the emailed link first: no password failure stops it. */
  readonly throttled?: boolean;
  /** Sign-up found the email taken: sign in, or ask for an emailed link. */
  readonly emailTaken?: boolean;
  /** The gate's email belongs to an account with a password: ask for it. */
  readonly passwordStep?: boolean;
}

export function authRoutes(deps: AuthRoutesDeps): Router {
  const router = Router();
  const { messages } = deps;
  const emailSchema = emailSchemaFor(messages);

  async function renderSignup(req: Request, res: Response, status: number, values: { email?: string; returnTo: string; newsletter?: boolean }, errors: Record<string, string> = {}) {
    const policies = await deps.accounts.currentPolicies();
    const csrfToken = deps.csrf.token(req);
    res.status(status).render('signup', {
      title: messages.t('common.createFreeAccount'),
      values,
      errors,
      policies,
      passwordMinLength: deps.passwordMinLength,
      passwordMaxLength,
      csrfToken,
    });
  }

  const renderSignin = (req: Request, res: Response, status: number, values: { email?: string; returnTo: string }, page: SigninPage = {}) => renderSigninPage(deps, req, res, status, values, page);

  router.get('/signup', async (req, res) => {
    const returnTo = safeReturnTo(req.query.returnTo);
    if (req.user) return res.redirect(303, returnTo);
    await renderSignup(req, res, 200, { returnTo });
  });

  router.post('/signup', async (req, res) => {
    const form = signupForm.safeParse(req.body ?? {});
    const returnTo = safeReturnTo(form.success ? form.data.returnTo : undefined);
    if (!form.success) return renderSignup(req, res, 400, { returnTo }, { form: messages.t('signup.errorForm') });
    // The reader's own tick, kept when the form comes back with a problem.
    const newsletter = boxTicked(form.data.newsletter);
    const email = emailSchema.safeParse(form.data.email ?? '');
    const errors: Record<string, string> = {};
    if (!email.success) errors.email = email.error.issues[0]?.message ?? messages.t('email.invalidShort');
    if (!form.data.password) errors.password = messages.t('signup.errorChoosePassword');
    // Every problem at once, so that one submit shows them all (the service checks the password again).
    else if (!email.success) {
      const problems = passwordProblems(form.data.password, { minLength: deps.passwordMinLength }, messages);
      if (problems.length > 0) errors.password = problems.join(' ');
    }
    if (!email.success || !form.data.password) {
      return renderSignup(req, res, 400, { email: form.data.email, returnTo, newsletter }, errors);
    }
    const verdict = await deps.throttle.signup(networkOf(clientAddress(req)));
    if (!verdict.allowed) {
      res.set('Retry-After', String(verdict.retryAfterSeconds));
      return renderSignup(req, res, 429, { email: email.data, returnTo, newsletter }, { form: messages.t('signup.errorThrottled', { wait: messages.wait(verdict.retryAfterSeconds) }) });
    }
    try {
      const account = await deps.accounts.signUp({
        email: email.data,
        password: form.data.password,
        shownVersions: { terms: form.data.termsVersion, privacy: form.data.privacyVersion },
        newsletter,
      });
      await completeSignIn(req, account, deps, 'password', true);
      await deps.emailVerification.sendForSignup(account);
      res.redirect(303, returnTo);
    } catch (error) {
      if (!(error instanceof SignupRejected)) throw error;
      if (error.problems.emailTaken) return renderSignin(req, res, 400, { email: email.data, returnTo }, { emailTaken: true });
      const { email: emailProblem, password, policies } = error.problems;
      const shown: Record<string, string> = {};
      if (emailProblem) shown.email = emailProblem;
      if (password) shown.password = password;
      if (policies) shown.form = policies;
      return renderSignup(req, res, policies ? 409 : 400, { email: email.data, returnTo, newsletter }, shown);
    }
  });

  router.get('/signin', async (req, res) => {
    const returnTo = safeReturnTo(req.query.returnTo);
    // A signed-in reader is sent on, unless a recent sign-in is what is asked for.
    if (req.user && req.query.reauth !== '1') return res.redirect(303, returnTo);
    await renderSignin(req, res, 200, { returnTo });
  });

  router.post('/signin', async (req, res) => {
    const form = signinForm.safeParse(req.body ?? {});
    const returnTo = safeReturnTo(form.success ? form.data.returnTo : undefined);
    // passport-local would fall back to the query string; credentials belong in the body only.
    if ('password' in req.query || 'email' in req.query) {
      return renderSignin(req, res, 400, { returnTo }, { error: messages.t('signin.errorInAddress') });
    }
    const email = form.success ? emailSchema.safeParse(form.data.email ?? '') : undefined;
    if (!form.success || !email?.success || !form.data.password) {
      const errorField = email?.success ? 'password' : 'email';
      return renderSignin(req, res, 400, { email: form.success ? form.data.email : undefined, returnTo }, { error: messages.t('signin.errorMissing'), errorField });
    }
    // The try is taken before the password is checked, so parallel guesses cannot overtake it.
    const attempt = await deps.throttle.attempt(email.data, networkOf(clientAddress(req)));
    if (!attempt.allowed) {
      res.set('Retry-After', String(attempt.retryAfterSeconds));
      return renderSignin(req, res, 429, { email: email.data, returnTo }, {
        throttled: true,
        error: messages.t('signin.errorThrottled', { wait: messages.wait(attempt.retryAfterSeconds) }),
      });
    }
    const account = await authenticateLocal(deps.passport, req);
    if (account === false) {
      return renderSignin(req, res, 401, { email: email.data, returnTo }, { error: messages.t('signin.errorNoMatch'), errorField: 'password' });
    }
    await attempt.succeeded();
    await completeSignIn(req, account, deps, 'password', false);
    res.redirect(303, returnTo);
  });

  router.post('/signout', async (req, res) => {
    if (req.session) await logOutAndDestroy(req);
    clearSessionCookie(req, res);
    // The front page says "You have signed out." for this fixed flag (never any text from the address).
    res.redirect(303, '/?signedOut=1');
  });

  return router;
}
