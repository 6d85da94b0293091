import type { Request, RequestHandler } from 'express';
import { AppError } from '../http/app-error';
import { safeReturnTo } from '../http/return-to';
import type { ApiKeysRepository } from './api-keys.repository';
import type { Csrf } from '../http/csrf';
import type { Clock } from '../config/clock';
import type { AdminLookup, PasskeyProofs } from './ports';

export function bearerTokenOf(req: Request): string | undefined {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match?.[1];
}

/** Admin pages and API calls by session need a sign-in at most this old. */
export const adminSignInMaxAgeMs = 12 * 60 * 60 * 1000;

export interface RequireAdminDeps {
  readonly accounts: AdminLookup;
  readonly keys: Pick<ApiKeysRepository, 'verify'>;
  /** 'api' answers JSON and takes API keys; 'page' redirects to sign-in. */
  readonly mode: 'api' | 'page';
  readonly csrf: Csrf;
  readonly clock: Clock;
  /**
   * ADMIN_REQUIRE_PASSKEY: a session reaches the admin only when it signed in with one of
   * the account's passkeys within the sign-in age above. API keys are not sessions: unaffected.
   */
  readonly requirePasskey: boolean;
  readonly passkeys: PasskeyProofs;
}

const passkeyNeeded = 'The admin needs a sign-in with a passkey: add one on /account, then sign in with it.';

/**
 * Admin API access: `Authorization: Bearer <api key>`, or an admin's session whose
 * state-changing calls carry the CSRF token (`X-CSRF-Token`).
 * 401 without credentials, 403 for a signed-in reader who is not an admin.
 */
export function requireAdmin(deps: RequireAdminDeps): RequestHandler {
  const { accounts, keys, mode, csrf, clock, requirePasskey, passkeys } = deps;
  return async (req, res, next) => {
    if (mode === 'api' && req.headers.authorization !== undefined) {
      const token = bearerTokenOf(req);
      if (token !== undefined && (await keys.verify(token)) !== undefined) return next();
      res.set('WWW-Authenticate', 'Bearer realm="gatehouse-admin"');
      throw new AppError(401, 'The API key is missing, malformed or revoked.');
    }
    if (req.user === undefined) {
      if (mode === 'page') return res.redirect(303, `/signin?returnTo=${encodeURIComponent(req.originalUrl)}`);
      res.set('WWW-Authenticate', 'Bearer realm="gatehouse-admin"');
      throw new AppError(401, 'Sign in as an admin, or send an API key as "Authorization: Bearer <key>".');
    }
    const account = await accounts.findById(req.user.id);
    if (account?.isAdmin !== true) throw new AppError(403, 'This account is not a publisher admin.');
    const authAt = req.session.authAt ?? 0;
    if (clock() - authAt > adminSignInMaxAgeMs) {
      if (mode === 'page') return res.redirect(303, `/signin?reauth=1&returnTo=${encodeURIComponent(req.originalUrl)}`);
      throw new AppError(401, 'Sign in again: the admin needs a sign-in within the last 12 hours.');
    }
    if (requirePasskey) {
      const provenAt = passkeys.provenAt(req);
      if (provenAt === undefined || clock() - provenAt > adminSignInMaxAgeMs) {
        if (mode === 'api') throw new AppError(403, passkeyNeeded);
        return res.status(403).render('admin-passkey-required', { title: 'Sign in with a passkey', returnTo: safeReturnTo(req.originalUrl) });
      }
    }
    // A session can be ridden by another site; an API key cannot. Pages are covered app-wide.
    if (mode === 'api') return csrf.protect(req, res, next);
    next();
  };
}
