import { cacheLifetime, STALE_FOR_MS } from './cache-control';

const now = Date.UTC(2026, 3, 1, 12, 0, 0);

function lifetime(cacheControl: string | readonly string[] | undefined, status = 200, defaultSeconds?: number) {
  return cacheLifetime(cacheControl === undefined ? {} : { 'cache-control': cacheControl }, status, now, defaultSeconds);
}

describe('cacheLifetime', () => {
  it('when the origin says nothing, then fresh for the default 60 s and stale for a day after', () => {
    expect(lifetime(undefined)).toEqual({ cacheable: true, freshUntil: now + 60_000, staleUntil: now + 60_000 + STALE_FOR_MS });
    expect(STALE_FOR_MS).toBe(86_400_000);
  });

  it('when a default is given, then it replaces 60 s', () => {
    expect(lifetime(undefined, 200, 5)).toMatchObject({ freshUntil: now + 5_000 });
  });

  it('when max-age is given, then fresh for that long', () => {
    expect(lifetime('public, max-age=300')).toEqual({ cacheable: true, freshUntil: now + 300_000, staleUntil: now + 300_000 + STALE_FOR_MS });
  });

  it('when s-maxage and max-age are both given, then s-maxage wins, in either order', () => {
    expect(lifetime('max-age=10, s-maxage=600')).toMatchObject({ freshUntil: now + 600_000 });
    expect(lifetime('s-maxage=0, max-age=600')).toMatchObject({ freshUntil: now });
  });

  it.each(['no-store', 'private', 'public, max-age=60, no-store', 'PRIVATE', 'private="set-cookie", max-age=60', ' No-Store '])('when Cache-Control is %p, then never cached', (value) => {
    expect(lifetime(value)).toEqual({ cacheable: false });
  });

  it('when the directives come on several header lines, then all of them count', () => {
    expect(lifetime(['max-age=60', 'private'])).toEqual({ cacheable: false });
    expect(lifetime(['public', 's-maxage=120'])).toMatchObject({ freshUntil: now + 120_000 });
  });

  it('when the header name is capitalised, then it is still read', () => {
    expect(cacheLifetime({ 'Cache-Control': 'no-store' }, 200, now)).toEqual({ cacheable: false });
  });

  it('when no-cache is given, then the copy is kept but stale at once', () => {
    expect(lifetime('no-cache, max-age=600')).toEqual({ cacheable: true, freshUntil: now, staleUntil: now + STALE_FOR_MS });
  });

  it('when max-age is not delta-seconds, then it is as if absent', () => {
    expect(lifetime('max-age=-5')).toMatchObject({ freshUntil: now + 60_000 });
    expect(lifetime('max-age=abc, s-maxage=1.5')).toMatchObject({ freshUntil: now + 60_000 });
    expect(lifetime('max-age="90"')).toMatchObject({ freshUntil: now + 90_000 });
  });

  it('when a directive repeats, then its first value counts', () => {
    expect(lifetime('max-age=30, max-age=900')).toMatchObject({ freshUntil: now + 30_000 });
  });

  it.each([200, 203, 301, 404, 410])('when the status is %p, then it may be cached', (status) => {
    expect(lifetime(undefined, status).cacheable).toBe(true);
  });

  it.each([201, 204, 206, 302, 304, 307, 308, 400, 401, 403, 500, 502, 503])('when the status is %p, then it is never cached', (status) => {
    expect(lifetime('public, max-age=600', status)).toEqual({ cacheable: false });
  });
});
