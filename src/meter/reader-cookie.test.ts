import type { Request, Response } from 'express';
import { anonymousIdOf, anonymousReaderOf, issueAnonymousId, newAnonymousId, readerCookieName, utcDayOf } from './reader-cookie';

const day = 86_400_000;
const now = Date.UTC(2027, 0, 5, 15);
const requestWith = (value: unknown) => ({ signedCookies: { [readerCookieName]: value } }) as unknown as Request;

function issued(cappedOnDay?: number): string {
  let value = '';
  const res = { cookie: (_name: string, v: string) => (value = v) } as unknown as Response;
  issueAnonymousId(res, true, newAnonymousId(), cappedOnDay);
  return value;
}

describe('the reader cookie', () => {
  it('when a reader is issued past the bound, then the cap holds on that UTC day; after it the holder is a new reader again, never a fresh allowance', () => {
    const value = issued(utcDayOf(now));
    expect(anonymousReaderOf(requestWith(value), now)).toEqual({ anonymousId: value.slice(0, 16), capped: true });
    expect(anonymousReaderOf(requestWith(value), now + day)).toBeUndefined();
    expect(anonymousIdOf(requestWith(value))).toBe(value.slice(0, 16));
  });

  it('when a reader is not capped, then the cookie is the bare id', () => {
    const value = issued();
    expect(value).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(anonymousReaderOf(requestWith(value), now)).toEqual({ anonymousId: value, capped: false });
  });

  it('when the cookie is absent, unsigned or malformed, then there is no reader', () => {
    for (const value of [undefined, false, 'short', 'aaaaaaaaaaaaaaaa.x1', 'aaaaaaaaaaaaaaaa.c']) {
      expect(anonymousReaderOf(requestWith(value), now)).toBeUndefined();
      expect(anonymousIdOf(requestWith(value))).toBeUndefined();
    }
  });
});

describe('newAnonymousId', () => {
  it('when many ids are drawn (across refills of its random pool), then each is a fresh 16-character base64url id', () => {
    const ids = Array.from({ length: 1000 }, () => newAnonymousId());
    expect(ids.every((id) => /^[A-Za-z0-9_-]{16}$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
