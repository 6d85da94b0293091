import { cookieNameFor } from '../http/cookies';
import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';

export const readerCookieName = 'gatehouse.reader';
// An id, and for a reader issued past the new-reader bound, `.c` and the UTC day it was.
const valuePattern = /^([A-Za-z0-9_-]{16})(?:\.c(\d{1,7}))?$/;
// Browsers cap cookie lifetimes at 400 days.
const maxAgeMs = 400 * 24 * 60 * 60 * 1000;
const dayMs = 24 * 60 * 60 * 1000;

/** The UTC day number of a time: the new-reader bound's window. */
export const utcDayOf = (nowMs: number): number => Math.floor(nowMs / dayMs);

export interface AnonymousReader {
  readonly anonymousId: string;
  /** Issued past its network's new-reader bound, today: its anonymous allowance is 0. */
  readonly capped: boolean;
}

function cookieValue(req: Request): RegExpExecArray | null {
  const value = (req.signedCookies as Record<string, unknown> | undefined)?.[readerCookieName];
  return typeof value === 'string' ? valuePattern.exec(value) : null;
}

/** The anonymous reader's id from the signed cookie; undefined when absent or tampered with. */
export function anonymousIdOf(req: Request): string | undefined {
  return cookieValue(req)?.[1];
}

/**
 * The anonymous reader from the signed cookie; the cap holds for the day it was set. A
 * cookie capped on an earlier day is no reader at all: its holder is a new reader again,
 * under today's bound, so that cookies hoarded past the bound one day do not become fresh
 * allowances the next.
 */
export function anonymousReaderOf(req: Request, nowMs: number): AnonymousReader | undefined {
  const match = cookieValue(req);
  if (match === null) return undefined;
  if (match[2] === undefined) return { anonymousId: match[1]!, capped: false };
  return Number(match[2]) === utcDayOf(nowMs) ? { anonymousId: match[1]!, capped: true } : undefined;
}

const idBytes = 12;
// Ids are cut from a block of random bytes drawn 4 KB at a time: one call into the CSPRNG
// per 341 new readers instead of one each (that call was a twentieth of a first view's CPU).
// Each byte is used once.
let randomPool = Buffer.alloc(0);
let poolOffset = 0;

/** A new anonymous reader id: 96 random bits. */
export function newAnonymousId(): string {
  if (poolOffset + idBytes > randomPool.length) {
    randomPool = randomBytes(4096);
    poolOffset = 0;
  }
  const id = randomPool.toString('base64url', poolOffset, poolOffset + idBytes);
  poolOffset += idBytes;
  return id;
}

/**
 * Gives the reader their id in a long-lived, signed, HttpOnly cookie. A capped reader's
 * cookie says so (signed, so it cannot be edited away); clearing it only gives a new id,
 * which the bound caps again.
 */
export function issueAnonymousId(res: Response, secure: boolean, id: string, cappedOnDay?: number): void {
  const value = cappedOnDay === undefined ? id : `${id}.c${cappedOnDay}`;
  res.cookie(cookieNameFor(readerCookieName, secure), value, { signed: true, httpOnly: true, sameSite: 'lax', secure, maxAge: maxAgeMs, path: '/' });
}
