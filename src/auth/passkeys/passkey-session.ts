import { createHmac, randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import { cookieNameFor } from '../../http/cookies';
import { challengeTtlMs } from './passkey-challenges.repository';

declare module 'express-session' {
  interface SessionData {
    /**
     * Which account signed in with a passkey in this session, and when (ADMIN_REQUIRE_PASSKEY).
     * The account is kept beside the time because a sign-in keeps the session's data: a later
     * password sign-in to another account in the same browser must not inherit the proof.
     */
    passkeyProof?: { accountId: string; at: number };
  }
}

/** When this session's signed-in account last proved one of its passkeys; undefined if it has not. */
export function passkeyProvenAt(req: Request): number | undefined {
  const proof = req.session?.passkeyProof;
  if (proof === undefined || req.user === undefined || proof.accountId !== req.user.id) return undefined;
  return proof.at;
}

/** What a challenge is bound to: this session, by a keyed hash of its id (never the id itself). */
export function sessionBinding(req: Request, secret: string): string {
  return createHmac('sha256', secret).update(`passkey-challenge\n${req.sessionID}`).digest('base64url');
}

/**
 * A sign-in challenge is bound to the browser by a cookie of its own that lasts as long as the
 * challenge, not by a session: a reader who is not signed in has none, and keeping one for
 * each "Sign in with a passkey" would store a 30-day session per click (or per scripted
 * request). The sign-in itself makes the session. SameSite=Strict: only this site's script asks.
 */
const signInCookie = 'gatehouse.passkey-signin';
const secure = (req: Request) => req.app.get('secure cookies') === true;
const cookieOptions = (req: Request) => ({ signed: true, httpOnly: true, sameSite: 'strict' as const, secure: secure(req), path: '/' });
const browserBinding = (secret: string, browserSecret: string) => createHmac('sha256', secret).update(`passkey-signin\n${browserSecret}`).digest('base64url');

/** A new browser secret in a cookie for the sign-in challenge about to be issued; its binding. */
export function newSignInBinding(req: Request, res: Response, secret: string): string {
  const browserSecret = randomBytes(32).toString('base64url');
  res.cookie(cookieNameFor(signInCookie, secure(req)), browserSecret, { ...cookieOptions(req), maxAge: challengeTtlMs });
  return browserBinding(secret, browserSecret);
}

/** The binding of this browser's open sign-in challenge; undefined without the cookie (or with a forged one). */
export function signInBinding(req: Request, secret: string): string | undefined {
  const value = (req.signedCookies as Record<string, unknown>)[signInCookie];
  return typeof value === 'string' && value.length > 0 ? browserBinding(secret, value) : undefined;
}

export function clearSignInBinding(req: Request, res: Response): void {
  res.clearCookie(cookieNameFor(signInCookie, secure(req)), cookieOptions(req));
}
