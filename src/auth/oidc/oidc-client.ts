import type { OidcProviderConfig } from '../../config/oidc-config';

/** What one authorization request carries, made fresh per request and kept by the caller. */
export interface AuthorizationChecks {
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
}

/** Who the provider says signed in, from a verified ID token (and userinfo for the email). */
export interface ProviderIdentity {
  readonly subject: string;
  /** Absent when the provider shares none. */
  readonly email: string | undefined;
  /** Only `email_verified: true` (or Apple's "true") counts. */
  readonly emailVerified: boolean;
}

/**
 * Why a provider round trip failed, as the reader is told: `unavailable` (down, slow,
 * garbage; try later or another way) or `rejected` (the provider or the checks said no:
 * a replayed code, an expired or foreign ID token).
 */
export class ProviderError extends Error {
  constructor(
    readonly kind: 'unavailable' | 'rejected',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ProviderError';
  }
}

/**
 * The OpenID Connect client, as a port: openid-client behind it in production and in the
 * end-to-end tests; anything with these three methods in a unit test.
 */
export interface OidcClient {
  newChecks(): Promise<AuthorizationChecks & { readonly codeChallenge: string }>;
  authorizationUrl(provider: OidcProviderConfig, redirectUri: string, checks: AuthorizationChecks & { readonly codeChallenge: string }): Promise<URL>;
  /** `callbackUrl` is the redirect URI with the provider's answer in its query. */
  identityFrom(provider: OidcProviderConfig, callbackUrl: URL, checks: AuthorizationChecks): Promise<ProviderIdentity>;
}
