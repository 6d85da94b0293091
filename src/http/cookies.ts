import { parse } from 'cookie';
import { unsign } from 'cookie-signature';
import type { Request, RequestHandler, Response } from 'express';

/**
 * Over HTTPS every Gatehouse cookie is named with the `__Host-` prefix: the browser then
 * accepts it only from this host, Secure, for Path=/, so a sibling subdomain cannot plant
 * one (a reader id, a CSRF token) for this site. The app reads and writes them by their
 * plain names; this is the name on the wire.
 */
export function cookieNameFor(name: string, secure: boolean): string {
  return secure ? `__Host-${name}` : name;
}

/**
 * `req.signedCookies` (and `req.cookies`) as cookie-parser gives them, but worked out on
 * first read and one cookie at a time: a view reads one signed cookie (the reader's), and
 * the session cookie is checked by express-session itself, so no request pays for
 * verifying signatures it never reads. A signed cookie whose signature fails reads `false`,
 * as with cookie-parser; one the app sets during the request can be stored back.
 */
export function lazyCookies(secret: string, options: { secure: boolean } = { secure: false }): RequestHandler {
  return (req, _res, next) => {
    let all: Record<string, string | undefined> | undefined;
    const raw = () => (all ??= parse(req.headers.cookie ?? ''));
    const signed: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    req.signedCookies = new Proxy(signed, {
      get(target, name) {
        if (typeof name !== 'string') return undefined;
        if (!(name in target)) {
          const value = raw()[cookieNameFor(name, options.secure)];
          target[name] = value === undefined || !value.startsWith('s:') ? undefined : unsign(value.slice(2), secret);
        }
        return target[name];
      },
      set(target, name, value) {
        if (typeof name === 'string') target[name] = value;
        return true;
      },
    });
    Object.defineProperty(req, 'cookies', { configurable: true, enumerable: true, get: raw });
    // What res.cookie(…, { signed: true }) signs with, as cookie-parser would set it.
    (req as { secret?: string }).secret = secret;
    next();
  };
}

/** Ends the session cookie with the Path and Secure it was set with: a browser keeps a __Host- cookie otherwise. */
export function clearSessionCookie(req: Request, res: Response): void {
  res.clearCookie(req.app.get('session cookie name') as string, { path: '/', secure: req.app.get('secure cookies') === true, httpOnly: true, sameSite: 'lax' });
}
