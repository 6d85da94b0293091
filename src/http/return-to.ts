const fallback = '/';
const base = new URL('http://gatehouse.invalid');

/** A path that a browser resolves on this site: one leading slash, no slash or backslash after it. */
function isSameSitePath(path: string): boolean {
  return path.startsWith('/') && !path.startsWith('//') && !path.startsWith('/\\');
}

/**
 * Where to send a reader after signing in: only a path on this site. Anything else
 * (absolute URLs, protocol-relative `//host`, backslash tricks, control characters)
 * gives the front page, so the sign-in form cannot be used as an open redirect.
 *
 * The check runs on what is returned, after normalisation, not only on what came in:
 * dot segments (`/.//evil`, `/a/..//evil`, `/%2e//evil`) collapse into `//evil`.
 */
export function safeReturnTo(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048) return fallback;
  if (!isSameSitePath(value)) return fallback;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return fallback;
  let url: URL;
  try {
    url = new URL(value, base);
  } catch {
    return fallback;
  }
  if (url.origin !== base.origin) return fallback;
  const path = `${url.pathname}${url.search}${url.hash}`;
  return isSameSitePath(path) ? path : fallback;
}
