/**
 * Paths whose last segment is a secret (a password reset, emailed sign-in, email
 * verification or group invitation token): logged with the secret replaced, never as sent.
 */
const tokenPaths = /^(\/password\/reset|\/signin\/email|\/account\/verify|\/groups\/join)\/(?!code$)[^/?#]+/i;

/** A request path fit for the log: no query string, no token. */
export function loggablePath(url: string): string {
  return url.split('?')[0]!.replace(tokenPaths, '$1/[redacted]');
}
