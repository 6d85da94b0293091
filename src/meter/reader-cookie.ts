import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';

export const readerCookieName = 'gatehouse.reader';
const idPattern = /^[A-Za-z0-9_-]{16}$/;
// Browsers cap cookie lifetimes at 400 days.
const maxAgeMs = 400 * 24 * 60 * 60 * 1000;

/** The anonymous reader's id from the signed cookie; undefined when absent or tampered with. */
export function anonymousIdOf(req: Request): string | undefined {
  const value = (req.signedCookies as Record<string, unknown> | undefined)?.[readerCookieName];
  return typeof value === 'string' && idPattern.test(value) ? value : undefined;
}

/** Gives the reader an id (96 random bits) in a long-lived, signed, HttpOnly cookie. */
export function issueAnonymousId(res: Response, secure: boolean): string {
  const id = randomBytes(12).toString('base64url');
  res.cookie(readerCookieName, id, { signed: true, httpOnly: true, sameSite: 'lax', secure, maxAge: maxAgeMs, path: '/' });
  return id;
}
