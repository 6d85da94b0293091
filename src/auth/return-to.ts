const fallback = '/';
const base = new URL('http://gatehouse.invalid');

/**
 * Where to send a reader after signing in: only a path on this site. Anything else
 * (absolute URLs, protocol-relative `//host`, backslash tricks, control characters)
 * gives the front page, so the sign-in form cannot be used as an open redirect.
 */
export function safeReturnTo(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048) return fallback;
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return fallback;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return fallback;
  let url: URL;
  try {
    url = new URL(value, base);
  } catch {
    return fallback;
  }
  if (url.origin !== base.origin) return fallback;
  return `${url.pathname}${url.search}${url.hash}`;
}
