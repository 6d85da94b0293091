import { Router, type Response } from 'express';
import type { Clock } from '../../config/clock';
import { clientAddress, networkOf } from '../../http/network';
import { safeReturnTo } from '../../http/return-to';
import { completeSignIn, type SignInEffects } from '../sign-in-methods';
import { asAuthentication, authenticationBody } from './passkey-responses';
import { sessionBinding } from './passkey-session';
import type { PasskeyThrottle } from './passkey-throttle';
import { PasskeyRejected, type PasskeysService } from './passkeys.service';

export interface PasskeySigninRoutesDeps {
  readonly service: PasskeysService;
  readonly throttle: PasskeyThrottle;
  readonly effects: SignInEffects;
  readonly secret: string;
  readonly clock: Clock;
}

function tooMany(res: Response, retryAfterSeconds: number) {
  res.set('Retry-After', String(retryAfterSeconds));
  return res.status(429).json({ error: `Too many passkey attempts from your network. Try again in ${Math.ceil(retryAfterSeconds / 60)} minutes, or sign in another way.` });
}

/**
 * "Sign in with a passkey" (views/passkey-signin.eta, public/passkeys.js): JSON for the
 * script. Both are POSTs with the CSRF token (X-CSRF-Token), as every state change here.
 */
export function passkeySigninRoutes(deps: PasskeySigninRoutesDeps): Router {
  const router = Router();
  const { service, throttle, secret, clock } = deps;

  router.post('/signin/passkey/options', async (req, res) => {
    const verdict = await throttle.challenge(networkOf(clientAddress(req)));
    if (!verdict.allowed) return tooMany(res, verdict.retryAfterSeconds);
    // A reader who is not signed in has no session yet: this keeps one until the answer comes.
    req.session.passkeySignInAskedAt = clock();
    res.json(await service.signInOptions(sessionBinding(req, secret)));
  });

  router.post('/signin/passkey', async (req, res) => {
    const body = authenticationBody.safeParse(req.body ?? {});
    if (!body.success) return res.status(400).json({ error: 'The browser’s passkey answer could not be read. Try again.' });
    const attempt = await throttle.attempt(networkOf(clientAddress(req)));
    if (!attempt.allowed) return tooMany(res, attempt.retryAfterSeconds);
    let account;
    try {
      account = await service.signIn(sessionBinding(req, secret), asAuthentication(body.data));
    } catch (error) {
      if (error instanceof PasskeyRejected) return res.status(error.status).json({ error: error.message });
      throw error;
    }
    await attempt.succeeded();
    delete req.session.passkeySignInAskedAt;
    await completeSignIn(req, account, deps.effects, 'passkey', false);
    req.session.passkeyProof = { accountId: account.id, at: clock() };
    res.json({ redirect: safeReturnTo(body.data.returnTo) });
  });

  return router;
}
