import { Router, type Request, type RequestHandler } from 'express';
import type { SessionData, Store } from 'express-session';
import { unsign } from 'cookie-signature';
import { accountIdOf } from '../store/session-store.sql';

export interface ReadOnlySessionOptions {
  /** The session cookie's name on the wire (with its `__Host-` prefix over HTTPS). */
  readonly cookieName: string;
  readonly secret: string;
  readonly store: Store;
  /** express-session and passport, for a session this read cannot serve (see `servable`). */
  readonly fullSession: readonly RequestHandler[];
  /** Whether a request may be served from the stored session without writing it. */
  readonly servable: (data: SessionData) => boolean;
}

/**
 * The session of a page view that only reads it (an article, a publisher's page in front of
 * a CMS), without express-session and passport: the cookie unsigned as express-session
 * unsigns it, one read from the same store, and `req.user` as passport would set it from
 * `passport.user`. Nothing is hashed, compared or saved after the response, which is
 * express-session's own cost per view on top of the store's read.
 *
 * The session is given to the request frozen: a view that tried to change it would fail
 * loudly rather than lose the change. A session that the view would write (`servable`
 * says no: a signed-in reader whose CSRF token or accepted versions are not kept yet), and
 * every request that is not a GET or HEAD, go through express-session and passport as
 * before; the stored session is then read a second time, once in that session's life.
 *
 * A cookie that is missing, unsigned or wrongly signed, or that names no stored session, is
 * an anonymous reader, as with express-session (which would make a session and not save it).
 * It reads the cookie from `req.cookies` (lazyCookies, which runs first).
 */
export function readOnlySession(options: ReadOnlySessionOptions): RequestHandler {
  const { cookieName, secret, store, fullSession, servable } = options;
  const marker = `${cookieName}=`;
  const full = Router().use(...fullSession);
  return (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return full(req, res, next);
    if (!(req.headers.cookie?.includes(marker) ?? false)) return next();
    const sid = sessionIdOf(req, cookieName, secret);
    if (sid === undefined) return next();
    store.get(sid, (error, data) => {
      // The store is wrapped to read as absent when down; anything else is express-session's to report.
      if (error) return full(req, res, next);
      if (data === null || data === undefined) return next();
      if (!servable(data)) return full(req, res, next);
      req.sessionID = sid;
      req.session = Object.freeze(data) as Request['session'];
      const accountId = accountIdOf(data);
      if (accountId !== undefined) req.user = { id: accountId };
      next();
    });
  };
}

/**
 * Undoes `readOnlySession` for a request that goes on to the full chain after all, which
 * reads the session its own way (express-session skips a request that already has one). A
 * session express-session made in the lane stays: it is already the full chain's, and a
 * second express-session would read, save and set its cookie twice.
 */
export const leaveReadOnlySession: RequestHandler = (req, _res, next) => {
  if (req.session === undefined || Object.isFrozen(req.session)) {
    delete (req as { session?: unknown }).session;
    delete req.user;
  }
  next();
};

/** The session id the cookie names, when its signature holds (express-session's own rule). */
function sessionIdOf(req: Request, cookieName: string, secret: string): string | undefined {
  const raw = (req.cookies as Record<string, string | undefined>)[cookieName];
  if (raw === undefined || !raw.startsWith('s:')) return undefined;
  const sid = unsign(raw.slice(2), secret);
  return sid === false ? undefined : sid;
}
