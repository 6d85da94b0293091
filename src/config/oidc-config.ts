/** One OpenID Provider of `OIDC_PROVIDERS` (SPEC section 6), from its `OIDC_<NAME>_*` block. */
export interface OidcProviderConfig {
  /** Lower-case, as in `/signin/oidc/:provider`. */
  readonly name: string;
  /** "Continue with <label>". */
  readonly label: string;
  /** Discovery reads `<issuer>/.well-known/openid-configuration`. */
  readonly issuer: URL;
  readonly clientId: string;
  readonly clientSecret: string;
  /** How the provider answers: `query` (a GET callback) or `form_post` (a POST, as Apple does). */
  readonly responseMode: 'query' | 'form_post';
  /**
   * Whether its `email_verified` proves the mailbox (an existing account with that email is
   * linked on it). Only a provider that owns or checks the mailboxes it vouches for deserves
   * it; otherwise the reader proves the email by a mailed link.
   */
  readonly trustEmail: boolean;
}

const namePattern = /^[a-z][a-z0-9]{0,30}$/;
/** Paths under /signin/oidc/ that are steps of the flow, not providers. */
const reservedNames = new Set(['confirm', 'verify', 'callback']);
const knownLabels: Record<string, string> = { google: 'Google', apple: 'Apple', microsoft: 'Microsoft', facebook: 'Facebook', github: 'GitHub' };
/**
 * Issuers whose `email_verified` is trusted by default: Google's and Apple's say so only for
 * mailboxes they host or have checked. Any other issuer (a tenant-configurable one such as
 * Microsoft's, or one the publisher runs) must be trusted by OIDC_<NAME>_TRUST_EMAIL=true.
 */
const emailTrustedIssuers = new Set(['accounts.google.com', 'appleid.apple.com']);

/**
 * `OIDC_PROVIDERS=google,apple` and, per name, `OIDC_GOOGLE_ISSUER`, `OIDC_GOOGLE_CLIENT_ID`,
 * `OIDC_GOOGLE_CLIENT_SECRET`, optional `OIDC_GOOGLE_LABEL`, `OIDC_GOOGLE_RESPONSE_MODE` and
 * `OIDC_GOOGLE_TRUST_EMAIL`.
 * Problems name the variable, as every other setting's do.
 */
export function parseOidcProviders(env: NodeJS.ProcessEnv): { providers: OidcProviderConfig[]; problems: string[] } {
  const listed = (env.OIDC_PROVIDERS ?? '').split(',').map((n) => n.trim()).filter((n) => n !== '');
  const providers: OidcProviderConfig[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const raw of listed) {
    const name = raw.toLowerCase();
    if (!namePattern.test(name) || seen.has(name)) {
      problems.push(`OIDC_PROVIDERS must be a comma-separated list of distinct names of letters and digits, starting with a letter (got "${raw}")`);
      continue;
    }
    if (reservedNames.has(name)) {
      problems.push(`OIDC_PROVIDERS cannot name a provider "${name}": /signin/oidc/${name} is a step of the sign-in; choose another name`);
      continue;
    }
    seen.add(name);
    const prefix = `OIDC_${name.toUpperCase()}_`;
    const value = (key: string) => {
      const v = env[prefix + key]?.trim();
      return v === undefined || v === '' ? undefined : v;
    };
    const issuer = value('ISSUER');
    const clientId = value('CLIENT_ID');
    const clientSecret = value('CLIENT_SECRET');
    let issuerUrl: URL | undefined;
    if (issuer === undefined) problems.push(`${prefix}ISSUER is required for the provider "${name}" in OIDC_PROVIDERS (e.g. https://accounts.google.com)`);
    else if (!URL.canParse(issuer) || !['https:', 'http:'].includes(new URL(issuer).protocol)) problems.push(`${prefix}ISSUER must be an https:// URL (got "${issuer}")`);
    else if (new URL(issuer).protocol === 'http:' && !isLoopback(new URL(issuer).hostname)) problems.push(`${prefix}ISSUER must be an https:// URL; http:// is only for a provider on this machine (got "${issuer}")`);
    else issuerUrl = new URL(issuer);
    if (clientId === undefined) problems.push(`${prefix}CLIENT_ID is required for the provider "${name}" in OIDC_PROVIDERS`);
    if (clientSecret === undefined) problems.push(`${prefix}CLIENT_SECRET is required for the provider "${name}" in OIDC_PROVIDERS`);
    const mode = value('RESPONSE_MODE') ?? (issuerUrl?.hostname === 'appleid.apple.com' ? 'form_post' : 'query');
    if (mode !== 'query' && mode !== 'form_post') problems.push(`${prefix}RESPONSE_MODE must be query or form_post (got "${mode}")`);
    const label = value('LABEL') ?? knownLabels[name] ?? name.charAt(0).toUpperCase() + name.slice(1);
    if (label.length > 40) problems.push(`${prefix}LABEL must be at most 40 characters`);
    const trust = value('TRUST_EMAIL')?.toLowerCase();
    if (trust !== undefined && trust !== 'true' && trust !== 'false') problems.push(`${prefix}TRUST_EMAIL must be true or false (got "${value('TRUST_EMAIL')}")`);
    const trustEmail = trust === undefined ? emailTrustedIssuers.has(issuerUrl?.hostname ?? '') : trust === 'true';
    if (issuerUrl !== undefined && clientId !== undefined && clientSecret !== undefined && (mode === 'query' || mode === 'form_post') && label.length <= 40 && (trust === undefined || trust === 'true' || trust === 'false')) {
      providers.push(Object.freeze({ name, label, issuer: issuerUrl, clientId, clientSecret, responseMode: mode, trustEmail }));
    }
  }
  return { providers, problems };
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}
