import type { Request, Response } from 'express';
import { cookieNameFor } from '../../http/cookies';
import { pendingTtlMs, requestTtlMs } from './oidc-flows.repository';

/**
 * The browser's half of a flow: a random secret whose hash keys the server-side row. SameSite=Lax
 * and HttpOnly: the provider's redirect back (a top-level GET) carries it, another site's
 * request or script does not; a callback URL handed to someone else finds no row in their
 * browser. Path=/ because over HTTPS the names carry the __Host- prefix.
 */
const cookies = {
  request: { name: 'gatehouse.oidc', maxAge: requestTtlMs },
  pending: { name: 'gatehouse.oidc-pending', maxAge: pendingTtlMs },
} as const;

export type FlowCookie = keyof typeof cookies;

const secure = (req: Request) => req.app.get('secure cookies') === true;
const options = (req: Request) => ({ signed: true, httpOnly: true, sameSite: 'lax' as const, secure: secure(req), path: '/' });

export function setFlowCookie(req: Request, res: Response, which: FlowCookie, secret: string): void {
  const { name, maxAge } = cookies[which];
  res.cookie(cookieNameFor(name, secure(req)), secret, { ...options(req), maxAge });
}

/** The secret, when the cookie is there and its signature holds. */
export function flowCookie(req: Request, which: FlowCookie): string | undefined {
  const value = (req.signedCookies as Record<string, unknown>)[cookies[which].name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

export function clearFlowCookie(req: Request, res: Response, which: FlowCookie): void {
  res.clearCookie(cookieNameFor(cookies[which].name, secure(req)), options(req));
}
