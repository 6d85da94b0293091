import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Csrf } from '../http/csrf';
import { tokenInAddress } from '../http/security';
import type { Clock } from '../config/clock';
import { clientAddress, networkOf } from '../http/network';
import type { FunnelSink } from '../funnel/funnel.module';
import type { MeterCarryOver } from './ports';
import { emailSchemaFor } from './email';
import type { Messages } from '../http/i18n';
import { completeSignIn } from './sign-in-methods';
import { safeReturnTo } from '../http/return-to';
import type { LinkSignIn, SigninLinksService } from './signin-links.service';
import { boxTicked } from '../consent/consent.module';

export const tokenPattern = /^[A-Za-z0-9_-]{43}$/;
/** The landing page after a link removed a password set before the email was proven. */
export const passwordRemovedPath = '/signin/email/password-removed';
const codePattern = /^\d{6}$/;
const field = z.string().max(4096).optional();
const requestForm = z.object({ email: field, returnTo: field });
const versions = { termsVersion: field, privacyVersion: field };
const codeForm = z.object({ email: field, code: field, returnTo: field, ...versions });
const confirmForm = z.object({ ...versions, newsletter: field });

export interface SigninLinksRoutesDeps {
  readonly links: SigninLinksService;
  readonly csrf: Csrf;
  readonly meter: MeterCarryOver;
  readonly funnel: FunnelSink;
  readonly clock: Clock;
  readonly messages: Messages;
}

type PageDeps = Pick<SigninLinksRoutesDeps, 'links' | 'csrf' | 'messages'>;

type LinkPageValues = { email?: string; returnTo: string; code?: string; newsletter?: boolean };

/** "Email me a sign-in link" and, once sent, "Check your email" (with the code form). */
async function renderLinkPage(deps: PageDeps, req: Request, res: Response, status: number, values: LinkPageValues, state: { sent: boolean; error?: string }) {
  const csrfToken = deps.csrf.token(req);
  const policies = await deps.links.currentPolicies();
  res.status(status).render('signin-email', { title: deps.messages.t(state.sent ? 'common.checkEmail' : 'common.emailMeLink'), values, ...state, policies, csrfToken });
}

/**
 * Mails a sign-in (or sign-up) link to a well-formed email and shows "Check your email",
 * the same page whether or not an account has this email; 429 past the bounds.
 * `newsletter`: the box ticked on the asking page (the gate's), kept for a sign-up.
 */
export async function sendLinkAndAnswer(deps: PageDeps, req: Request, res: Response, email: string, returnTo: string, newsletter: boolean): Promise<void> {
  const verdict = await deps.links.request(email, networkOf(clientAddress(req)), returnTo, { newsletter });
  if (!verdict.allowed) {
    res.set('Retry-After', String(verdict.retryAfterSeconds));
    return renderLinkPage(deps, req, res, 429, { email, returnTo, newsletter }, { sent: false, error: deps.messages.t('signinEmail.errorThrottled', { wait: deps.messages.wait(verdict.retryAfterSeconds) }) });
  }
  await renderLinkPage(deps, req, res, 200, { email, returnTo }, { sent: true });
}

export function signinLinkRoutes(deps: SigninLinksRoutesDeps): Router {
  const router = Router();
  const { messages } = deps;
  const emailSchema = emailSchemaFor(messages);

  router.use('/signin/email', tokenInAddress);

  async function render(req: Request, res: Response, view: string, status: number, data: Record<string, unknown>) {
    const csrfToken = deps.csrf.token(req);
    const policies = await deps.links.currentPolicies();
    res.status(status).render(view, { ...data, policies, csrfToken });
  }

  const page = (req: Request, res: Response, status: number, values: LinkPageValues, state: { sent: boolean; error?: string }) => renderLinkPage(deps, req, res, status, values, state);

  const invalid = (req: Request, res: Response) =>
    render(req, res, 'email-link-invalid', 400, { title: messages.t('common.linkInvalid'), message: messages.t('signinEmail.invalid'), again: '/signin/email', againLabel: messages.t('signinEmail.askAgain') });

  async function signIn(req: Request, res: Response, result: Extract<LinkSignIn, { outcome: 'signed-in' }>) {
    await completeSignIn(req, result.account, deps, 'email-link', result.created);
    if (!result.passwordRemoved) return res.redirect(303, safeReturnTo(result.returnTo));
    req.session.passwordRemoved = { returnTo: safeReturnTo(result.returnTo) };
    res.redirect(303, passwordRemovedPath);
  }

  // Where a link that removed an unproven password lands: the reader must learn of it.
  router.get(passwordRemovedPath, async (req, res) => {
    // A GET without a session cookie runs without a session: ask for the user first.
    const removed = req.user ? req.session.passwordRemoved : undefined;
    if (removed === undefined) return res.redirect(303, '/account');
    await render(req, res, 'signin-password-removed', 200, { title: messages.t('passwordRemoved.title'), returnTo: removed.returnTo });
  });

  router.get('/signin/email', async (req, res) => {
    const returnTo = safeReturnTo(req.query.returnTo);
    if (req.user) return res.redirect(303, returnTo);
    const given = emailSchema.safeParse(req.query.email);
    await page(req, res, 200, { email: given.success ? given.data : undefined, returnTo }, { sent: false });
  });

  router.post('/signin/email', async (req, res) => {
    const form = requestForm.safeParse(req.body ?? {});
    const returnTo = safeReturnTo(form.success ? form.data.returnTo : undefined);
    const email = emailSchema.safeParse(form.success ? (form.data.email ?? '') : '');
    if (!email.success) return page(req, res, 400, { email: form.success ? form.data.email : undefined, returnTo }, { sent: false, error: email.error.issues[0]?.message });
    // This page has no newsletter box: the confirm page the link opens asks.
    await sendLinkAndAnswer(deps, req, res, email.data, returnTo, false);
  });

  // Before /signin/email/:token, which would take "code" for a token.
  router.post('/signin/email/code', async (req, res) => {
    const form = codeForm.safeParse(req.body ?? {});
    const returnTo = safeReturnTo(form.success ? form.data.returnTo : undefined);
    const email = emailSchema.safeParse(form.success ? (form.data.email ?? '') : '');
    const code = (form.success ? (form.data.code ?? '') : '').replace(/\s/g, '');
    if (!form.success || !email.success) return page(req, res, 400, { returnTo }, { sent: false, error: messages.t('signinEmail.errorEmailForNewLink') });
    const values = { email: email.data, returnTo };
    if (!codePattern.test(code)) return page(req, res, 400, values, { sent: true, error: messages.t('signinEmail.errorCodeFormat') });
    const result = await deps.links.signInWithCode(email.data, code, networkOf(clientAddress(req)), { terms: form.data.termsVersion, privacy: form.data.privacyVersion });
    if (result.outcome === 'signed-in') return signIn(req, res, result);
    if (result.outcome === 'throttled') {
      res.set('Retry-After', String(result.retryAfterSeconds));
      return page(req, res, 429, values, { sent: true, error: messages.t('signinEmail.errorCodeThrottled', { wait: messages.wait(result.retryAfterSeconds) }) });
    }
    if (result.outcome === 'policies-changed') return page(req, res, 409, values, { sent: true, error: messages.t('signinEmail.errorCodePoliciesChanged') });
    await page(req, res, 400, values, { sent: true, error: messages.t('signinEmail.errorCodeWrong') });
  });

  router.get('/signin/email/:token', async (req, res) => {
    const token = req.params.token;
    const link = tokenPattern.test(token) ? await deps.links.linkFor(token) : undefined;
    if (link === undefined) return invalid(req, res);
    await render(req, res, 'signin-email-confirm', 200, { title: messages.t(link.purpose === 'signup' ? 'common.createYourFreeAccount' : 'common.signIn'), link, token });
  });

  router.post('/signin/email/:token', async (req, res) => {
    const token = req.params.token;
    const form = confirmForm.safeParse(req.body ?? {});
    if (!tokenPattern.test(token) || !form.success) return invalid(req, res);
    const newsletter = boxTicked(form.data.newsletter);
    const result = await deps.links.signInWithLink(token, { terms: form.data.termsVersion, privacy: form.data.privacyVersion }, newsletter);
    if (result.outcome === 'signed-in') return signIn(req, res, result);
    if (result.outcome === 'policies-changed') {
      const link = await deps.links.linkFor(token);
      if (link === undefined) return invalid(req, res);
      return render(req, res, 'signin-email-confirm', 409, { title: messages.t('common.createYourFreeAccount'), link, token, newsletterTicked: newsletter, error: messages.t('common.policiesChanged') });
    }
    await invalid(req, res);
  });

  return router;
}
