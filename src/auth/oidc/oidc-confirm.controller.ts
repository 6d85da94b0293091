import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Csrf } from '../../http/csrf';
import type { Messages } from '../../http/i18n';
import type { SignInEffects } from '../sign-in-methods';
import { clearFlowCookie, flowCookie } from './oidc-cookies';
import { problems, renderProblem, signInAndReturn, someProvider } from './oidc-pages';
import type { OidcService } from './oidc.service';
import { boxTicked } from '../../consent/consent.module';

const tokenPattern = /^[A-Za-z0-9_-]{43}$/;
const field = z.string().max(4096).optional();
const confirmForm = z.object({ termsVersion: field, privacyVersion: field, newsletter: field });

const { notOpen, otherBrowser } = problems;

export interface OidcConfirmRoutesDeps extends SignInEffects {
  readonly service: OidcService;
  readonly csrf: Csrf;
  readonly messages: Messages;
}

/**
 * The steps after the provider: "Create your free account" (the consent line, for a new
 * reader), and the mailed link that proves an email the provider did not vouch for. Both
 * need the browser's pending cookie; the mailed link needs its token too.
 */
export function oidcConfirmRoutes(deps: OidcConfirmRoutesDeps): Router {
  const router = Router();
  const { service, csrf, messages } = deps;

  async function page(req: Request, res: Response, status: number, linkToken: string | undefined, error?: string, newsletterTicked = false) {
    const secret = flowCookie(req, 'pending');
    const pending = secret === undefined ? undefined : await service.pending(secret, linkToken);
    if (pending === undefined) {
      const problem = linkToken !== undefined && (await service.linkIsOpen(linkToken)) ? otherBrowser : notOpen;
      return renderProblem(deps, req, res, 400, problem, '/');
    }
    const label = service.provider(pending.provider)?.label ?? pending.provider;
    const action = linkToken === undefined ? '/signin/oidc/confirm' : `/signin/oidc/verify/${linkToken}`;
    const policies = pending.accountExists ? undefined : await service.currentPolicies();
    res.status(status).render('oidc-confirm', { title: messages.t(pending.accountExists ? 'common.signIn' : 'common.createYourFreeAccount'), pending, label, action, policies, error, newsletterTicked, csrfToken: csrf.token(req) });
  }

  async function confirm(req: Request, res: Response, linkToken: string | undefined) {
    const secret = flowCookie(req, 'pending');
    const form = confirmForm.safeParse(req.body ?? {});
    if (secret === undefined || !form.success) return page(req, res, 400, linkToken);
    // The box on this page, the one that creates the account (new readers only).
    const newsletter = boxTicked(form.data.newsletter);
    const result = await service.confirm(secret, linkToken, { terms: form.data.termsVersion, privacy: form.data.privacyVersion }, newsletter);
    if (result.outcome === 'policies-changed') return page(req, res, 409, linkToken, messages.t('common.policiesChanged'), newsletter);
    if (result.outcome === 'invalid') return renderProblem(deps, req, res, 400, notOpen, '/');
    clearFlowCookie(req, res, 'pending');
    if (result.outcome === 'linked-elsewhere') return renderProblem(deps, req, res, 409, problems.linkedElsewhere(someProvider), result.returnTo);
    await signInAndReturn(req, res, deps, result);
  }

  router.get('/signin/oidc/confirm', (req, res) => page(req, res, 200, undefined));
  router.post('/signin/oidc/confirm', (req, res) => confirm(req, res, undefined));

  router.get('/signin/oidc/verify/:token', (req, res) => {
    const token = req.params.token;
    if (!tokenPattern.test(token)) return renderProblem(deps, req, res, 400, notOpen, '/');
    return page(req, res, 200, token);
  });
  router.post('/signin/oidc/verify/:token', (req, res) => {
    const token = req.params.token;
    if (!tokenPattern.test(token)) return renderProblem(deps, req, res, 400, notOpen, '/');
    return confirm(req, res, token);
  });

  return router;
}
