import { Router, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { AppError } from '../../http/app-error';
import type { Csrf } from '../../http/csrf';
import type { Messages } from '../../http/i18n';
import { clientAddress, networkOf } from '../../http/network';
import { safeReturnTo } from '../../http/return-to';
import { tokenInAddress } from '../../http/security';
import type { OidcProviderConfig } from '../../config/oidc-config';
import type { SignInEffects } from '../sign-in-methods';
import { consumeAll, limiterKey } from '../signin-throttle';
import { ProviderError } from './oidc-client';
import { clearFlowCookie, flowCookie, setFlowCookie } from './oidc-cookies';
import { recentSignInMs } from '../passwords.service';
import { hasSession, problems, renderProblem, signInAndReturn } from './oidc-pages';
import { newSecret, type OidcService } from './oidc.service';

/** Where a link from the account page leads back to. */
const linkedReturnTo = '/account#identities';

/** What a provider may put in its answer; anything else in the query is dropped. */
const answerKeys = ['code', 'state', 'iss', 'error', 'error_description', 'error_uri', 'session_state'] as const;

export interface OidcRoutesDeps extends SignInEffects {
  readonly service: OidcService;
  readonly csrf: Csrf;
  readonly messages: Messages;
  readonly keySecret: string;
  readonly logger: Pick<Logger, 'warn'>;
  /** Per network: nobody floods a provider through this site. */
  readonly startsByNetwork: RateLimiterAbstract;
  readonly callbacksByNetwork: RateLimiterAbstract;
}

/** The provider's answer, from the query (GET) or the body (form_post), as plain strings. */
function answerIn(source: unknown): URLSearchParams {
  const params = new URLSearchParams();
  const record = (source ?? {}) as Record<string, unknown>;
  for (const key of answerKeys) {
    const value = record[key];
    if (typeof value === 'string' && value.length <= 4096) params.set(key, value);
  }
  return params;
}

/** `GET /signin/oidc/:provider`, its callback (SPEC section 6), and linking from the account page. */
export function oidcRoutes(deps: OidcRoutesDeps): Router {
  const router = Router();
  const { service, messages } = deps;
  router.use('/signin/oidc', tokenInAddress);

  function providerOf(req: Request): OidcProviderConfig {
    const provider = service.provider(String(req.params.provider));
    if (provider === undefined) throw new AppError(404, messages.t('oidc.noSuchProvider'));
    return provider;
  }

  async function throttled(req: Request, res: Response, limiter: RateLimiterAbstract, returnTo: string): Promise<boolean> {
    const verdict = await consumeAll([[limiter, limiterKey(deps.keySecret, networkOf(clientAddress(req)))]]);
    if (verdict.allowed) return false;
    renderProblem(deps, req, res, 429, problems.throttled(verdict.retryAfterSeconds), returnTo, verdict.retryAfterSeconds);
    return true;
  }

  /** The provider's authorization URL, the request kept under a new secret in this browser's cookie. */
  async function startFlow(req: Request, res: Response, provider: OidcProviderConfig, returnTo: string, linkTo: string | undefined): Promise<void> {
    if (await throttled(req, res, deps.startsByNetwork, returnTo)) return;
    const secret = newSecret();
    let url: URL;
    try {
      url = await service.start(provider, secret, returnTo, linkTo);
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      return renderProblem(deps, req, res, 424, problems.unavailable(provider.label), returnTo);
    }
    setFlowCookie(req, res, 'request', secret);
    res.redirect(303, url.href);
  }

  // A sign-in, whoever is signed in already (the sign-in page's "Continue with" serves a
  // re-authentication too): never a link to the session's account. A link is a new lasting
  // way in, which a stolen session must not get by one GET: it takes the account page's form.
  router.get('/signin/oidc/:provider', (req, res) => startFlow(req, res, providerOf(req), safeReturnTo(req.query.returnTo), undefined));

  // "Link <label>" on /account: a form (CSRF, as every POST here) and a sign-in within
  // recentSignInMs, as adding a passkey takes; the owner is mailed once it is linked.
  router.post('/account/identities/link/:provider', async (req, res) => {
    if (!req.user) return res.redirect(303, '/signin?returnTo=%2Faccount%23identities');
    const provider = providerOf(req);
    if (deps.clock() - (req.session.authAt ?? 0) >= recentSignInMs) {
      return res.status(403).render('oidc-link-reauth', { title: messages.t('oidc.linkReauthTitle'), label: provider.label, returnTo: linkedReturnTo });
    }
    await startFlow(req, res, provider, linkedReturnTo, req.user.id);
  });

  // response_mode=form_post (Apple): a cross-site POST carries no SameSite=Lax cookie, so the
  // answer goes on as a top-level GET to the callback, which does. This POST changes nothing.
  router.post('/signin/oidc/:provider/callback', (req, res) => {
    const provider = providerOf(req);
    res.redirect(303, `/signin/oidc/${provider.name}/callback?${answerIn(req.body).toString()}`);
  });

  // Express runs GET handlers for HEAD too: a HEAD (a link checker, a prefetch) must not spend the request.
  router.head('/signin/oidc/:provider/callback', (req, res) => {
    providerOf(req);
    res.set('Allow', 'GET, POST').status(405).end();
  });

  router.get('/signin/oidc/:provider/callback', async (req, res) => {
    const provider = providerOf(req);
    // The session middleware runs for this path (OidcModule.needsSession); should it not have, nothing is spent.
    if (!hasSession(req)) return renderProblem(deps, req, res, 400, problems.incomplete(provider.label), '/');
    const secret = flowCookie(req, 'request');
    // Spent first, whatever follows: the same answer never counts twice.
    const request = secret === undefined ? undefined : await service.spendRequest(secret);
    clearFlowCookie(req, res, 'request');
    const returnTo = request?.returnTo ?? '/';
    if (await throttled(req, res, deps.callbacksByNetwork, returnTo)) return;
    if (request === undefined) return renderProblem(deps, req, res, 400, problems.expired(provider.label), returnTo);
    const answer = answerIn(req.query);
    if (answer.has('error')) return renderProblem(deps, req, res, 400, problems.cancelled(provider.label), returnTo);
    const callbackUrl = service.redirectUri(provider);
    callbackUrl.search = answer.toString();
    const pendingSecret = newSecret();
    let result;
    try {
      result = await service.callback(provider, request, callbackUrl, req.user?.id, pendingSecret);
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      // Why, for whoever looks into a reader's failed sign-in (the reader sees a plain page).
      deps.logger.warn({ provider: provider.name, kind: error.kind, reason: error.cause instanceof Error ? `${error.cause.name}: ${error.cause.message}` : error.message }, 'sign-in with a provider failed');
      return renderProblem(deps, req, res, error.kind === 'unavailable' ? 424 : 400, error.kind === 'unavailable' ? problems.unavailable(provider.label) : problems.rejected(provider.label), returnTo);
    }
    switch (result.outcome) {
      case 'signed-in':
        return signInAndReturn(req, res, deps, result);
      case 'linked':
      case 'already-linked':
        return res.redirect(303, result.returnTo);
      case 'linked-elsewhere':
        return renderProblem(deps, req, res, 409, problems.linkedElsewhere(provider.label), returnTo);
      case 'no-email':
        return renderProblem(deps, req, res, 400, problems.noEmail(provider.label), returnTo);
      case 'unusable-email':
        return renderProblem(deps, req, res, 400, problems.unusableEmail(provider.label), returnTo);
      case 'invalid':
        return renderProblem(deps, req, res, 400, problems.expired(provider.label), returnTo);
      case 'confirm':
        setFlowCookie(req, res, 'pending', pendingSecret);
        return res.redirect(303, '/signin/oidc/confirm');
      case 'check-email':
        setFlowCookie(req, res, 'pending', pendingSecret);
        return res.status(200).render('oidc-check-email', { title: messages.t('common.checkEmail'), email: result.email, label: provider.label, returnTo });
    }
  });

  return router;
}
