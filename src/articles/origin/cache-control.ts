/** What Gatehouse keeps of an origin response: filtered headers, the decoded (identity) body. */
export interface OriginResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  readonly body: Buffer;
}

export type CacheLifetime = { readonly cacheable: false } | { readonly cacheable: true; readonly freshUntil: number; readonly staleUntil: number };

/** How long past its freshness a copy may still be served (while refreshed, or while the origin is down). */
export const STALE_FOR_MS = 86_400_000;

/** The statuses whose responses are the same for every reader and worth keeping (RFC 9110's heuristically cacheable ones, less the rare). */
const CACHEABLE_STATUSES: ReadonlySet<number> = new Set([200, 203, 301, 404, 410]);

/**
 * SPEC 11: `no-store` and `private` are never cached; `s-maxage` wins over `max-age` (Gatehouse
 * is a shared cache); without either, `defaultSeconds`. `no-cache` keeps the copy but makes it
 * stale at once, so every view after it starts a refresh while the copy stands in. Whether a
 * response carries a reader's cookie is the caller's business.
 */
export function cacheLifetime(headers: OriginResponse['headers'], status: number, nowMs: number, defaultSeconds = 60): CacheLifetime {
  if (!CACHEABLE_STATUSES.has(status)) return { cacheable: false };
  const directives = cacheControlDirectives(headers);
  if (directives.has('no-store') || directives.has('private')) return { cacheable: false };
  const seconds = directives.has('no-cache') ? 0 : (deltaSeconds(directives.get('s-maxage')) ?? deltaSeconds(directives.get('max-age')) ?? defaultSeconds);
  const freshUntil = nowMs + seconds * 1000;
  return { cacheable: true, freshUntil, staleUntil: freshUntil + STALE_FOR_MS };
}

/** Directive names (lower-case) to their values ('' for none); a repeated directive keeps its first value. */
function cacheControlDirectives(headers: OriginResponse['headers']): Map<string, string> {
  const directives = new Map<string, string>();
  for (const line of headerValues(headers, 'cache-control')) {
    for (const part of line.split(',')) {
      const [name = '', ...value] = part.split('=');
      const key = name.trim().toLowerCase();
      if (key !== '' && !directives.has(key)) directives.set(key, value.join('=').trim().replace(/^"(.*)"$/, '$1'));
    }
  }
  return directives;
}

function headerValues(headers: OriginResponse['headers'], name: string): readonly string[] {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return typeof value === 'string' ? [value] : value;
  }
  return [];
}

/** RFC 9111's delta-seconds: digits only; anything else is as if the directive were absent. */
function deltaSeconds(value: string | undefined): number | undefined {
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}
