import type { Request, RequestHandler } from 'express';

/**
 * Runs session middleware (express-session, passport) only where a session can matter: a
 * request that carries the session cookie, or one that may change state (sign-in, sign-up
 * and every other form post). A GET or HEAD without the cookie is an anonymous reader, for
 * whom no session exists and none may be created by reading: skipping the middleware spares
 * each such view a session id, its signature and passport's set-up. `alsoWhen` names the
 * GETs that sign a reader in without a cookie yet (a provider's callback).
 */
export function whenSession(cookieName: string, middleware: readonly RequestHandler[], alsoWhen: (req: Request) => boolean = () => false): RequestHandler[] {
  const marker = `${cookieName}=`;
  const needed = (req: Request) => (req.method !== 'GET' && req.method !== 'HEAD') || (req.headers.cookie?.includes(marker) ?? false) || alsoWhen(req);
  return middleware.map((handler): RequestHandler => (req, res, next) => (needed(req) ? handler(req, res, next) : next()));
}
