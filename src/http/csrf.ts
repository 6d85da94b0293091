import type { Request } from 'express';
import { csrfSync } from 'csrf-sync';
import { cookieNameFor } from './cookies';

/** Where an anonymous reader's token lives: a signed, HttpOnly, SameSite cookie. */
export const csrfCookieName = 'gatehouse.csrf';

/**
 * Synchroniser tokens: every state-changing form posts `_csrf`, JSON clients send
 * `X-CSRF-Token`. A signed-in reader's token is kept in their session; anyone else's in a
 * signed cookie (a cross-site POST carries neither that cookie, SameSite=Lax, nor a way to
 * forge its signature), so that opening a form page writes no session. Tokens are made only
 * when a page needs one.
 */
export function buildCsrf(options: { secure: boolean }) {
  const { csrfSynchronisedProtection, generateToken } = csrfSync({
    size: 32,
    getTokenFromRequest: (req: Request) => {
      const fromBody = (req.body as Record<string, unknown> | undefined)?._csrf;
      if (typeof fromBody === 'string') return fromBody;
      const header = req.headers['x-csrf-token'];
      return typeof header === 'string' ? header : undefined;
    },
    getTokenFromState: (req: Request) => {
      if (req.user !== undefined) return req.session.csrfToken;
      const value = (req.signedCookies as Record<string, unknown> | undefined)?.[csrfCookieName];
      return typeof value === 'string' ? value : undefined;
    },
    storeTokenInState: (req: Request, token) => {
      if (req.user !== undefined || token === undefined) {
        req.session.csrfToken = token;
        return;
      }
      req.res?.cookie(cookieNameFor(csrfCookieName, options.secure), token, { signed: true, httpOnly: true, sameSite: 'lax', secure: options.secure, path: '/' });
      // A second token asked for in the same request is this one.
      (req.signedCookies as Record<string, unknown>)[csrfCookieName] = token;
    },
  });
  return {
    protect: csrfSynchronisedProtection,
    token: (req: Request, renew = false) => generateToken(req, renew),
  };
}

export type Csrf = ReturnType<typeof buildCsrf>;
