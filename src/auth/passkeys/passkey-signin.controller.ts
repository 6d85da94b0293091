import { Router, type Response } from 'express';
import type { Clock } from '../../config/clock';
import type { Messages } from '../../http/i18n';
import { clientAddress, networkOf } from '../../http/network';
import { safeReturnTo } from '../../http/return-to';
import { completeSignIn, type SignInEffects } from '../sign-in-methods';
import { asAuthentication, authenticationBody } from './passkey-responses';
import { clearSignInBinding, newSignInBinding, signInBinding } from './passkey-session';
import type { PasskeyThrottle } from './passkey-throttle';
import { PasskeyRejected, type PasskeysService } from './passkeys.service';

export interface PasskeySigninRoutesDeps {
  readonly service: PasskeysService;
  readonly throttle: PasskeyThrottle;
  readonly effects: SignInEffects;
  readonly secret: string;
  readonly clock: Clock;
  readonly messages: Messages;
}

function tooMany(res: Response, messages: Messages, retryAfterSeconds: number) {
  res.set('Retry-After', String(retryAfterSeconds));
  return res.status(429).json({ error: messages.t('passkeys.errorThrottled', { wait: messages.wait(retryAfterSeconds) }) });
}

/**
 * "Sign in with a passkey" (views/passkey-signin.eta, public/passkeys.js): JSON for the
 * script. Both are POSTs with the CSRF token (X-CSRF-Token), as every state change here.
 */
export function passkeySigninRoutes(deps: PasskeySigninRoutesDeps): Router {
  const router = Router();
  const { service, throttle, secret, clock, messages } = deps;

  // The challenge is bound to a short-lived cookie (passkey-session.ts), never to a new session.
  router.post('/signin/passkey/options', async (req, res) => {
    const verdict = await throttle.challenge(networkOf(clientAddress(req)));
    if (!verdict.allowed) return tooMany(res, messages, verdict.retryAfterSeconds);
    res.json(await service.signInOptions(newSignInBinding(req, res, secret)));
  });

  router.post('/signin/passkey', async (req, res) => {
    const body = authenticationBody.safeParse(req.body ?? {});
    if (!body.success) return res.status(400).json({ error: messages.t('passkeys.errorUnreadable') });
    // completeSignIn needs the session middleware; without it, fail before anything is spent.
    if (req.session === undefined || typeof req.logIn !== 'function') return res.status(400).json({ error: messages.t('passkeys.errorIncomplete') });
    const attempt = await throttle.attempt(networkOf(clientAddress(req)));
    if (!attempt.allowed) return tooMany(res, messages, attempt.retryAfterSeconds);
    // Without this browser's challenge cookie (expired, or never asked): a failed try like any other.
    const binding = signInBinding(req, secret);
    if (binding === undefined) return res.status(400).json({ error: messages.t('passkeys.errorExpired') });
    let account;
    try {
      account = await service.signIn(binding, asAuthentication(body.data));
    } catch (error) {
      if (error instanceof PasskeyRejected) return res.status(error.status).json({ error: error.message });
      throw error;
    }
    await attempt.succeeded();
    clearSignInBinding(req, res);
    await completeSignIn(req, account, deps.effects, 'passkey', false);
    req.session.passkeyProof = { accountId: account.id, at: clock() };
    res.json({ redirect: safeReturnTo(body.data.returnTo) });
  });

  return router;
}
