import * as client from 'openid-client';
import type { Logger } from 'pino';
import type { OidcProviderConfig } from '../../config/oidc-config';
import type { Clock } from '../../config/clock';
import { ProviderError, type AuthorizationChecks, type OidcClient, type ProviderIdentity } from './oidc-client';

/** SPEC section 6: a provider that does not answer within 5 s is down, for this request. */
export const providerTimeoutSeconds = 5;
/** Discovery is kept this long; its keys (JWKS) are refetched by openid-client when they rotate. */
const discoveryTtlMs = 12 * 60 * 60 * 1000;

export interface OpenIdClientDeps {
  readonly logger: Pick<Logger, 'warn'>;
  readonly clock: Clock;
  /** Seconds; the tests' hanging provider would otherwise hold a request for 5 s each. */
  readonly timeoutSeconds?: number;
}

/** Whether anything in the error's `cause` chain says the network, not the protocol, failed. */
function isNetworkFailure(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 6; e = e.cause, depth++) {
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return true;
    if (e instanceof TypeError && /fetch failed|network/i.test(e.message)) return true;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|UND_ERR_.*)$/.test(code)) return true;
  }
  return false;
}

const isTrue = (value: unknown) => value === true || value === 'true';

/** openid-client 6: discovery (cached, retried after a failure), PKCE S256, ID token checks. */
export class OpenIdClient implements OidcClient {
  private readonly configs = new Map<string, { config: Promise<client.Configuration>; at: number }>();

  constructor(private readonly deps: OpenIdClientDeps) {}

  async newChecks() {
    const codeVerifier = client.randomPKCECodeVerifier();
    return { state: client.randomState(), nonce: client.randomNonce(), codeVerifier, codeChallenge: await client.calculatePKCECodeChallenge(codeVerifier) };
  }

  async authorizationUrl(provider: OidcProviderConfig, redirectUri: string, checks: AuthorizationChecks & { codeChallenge: string }): Promise<URL> {
    const config = await this.configFor(provider);
    return client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid email profile',
      state: checks.state,
      nonce: checks.nonce,
      code_challenge: checks.codeChallenge,
      code_challenge_method: 'S256',
      ...(provider.responseMode === 'form_post' ? { response_mode: 'form_post' } : {}),
    });
  }

  async identityFrom(provider: OidcProviderConfig, callbackUrl: URL, checks: AuthorizationChecks): Promise<ProviderIdentity> {
    const config = await this.configFor(provider);
    try {
      const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: checks.codeVerifier,
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        idTokenExpected: true,
      });
      const claims = tokens.claims();
      if (claims === undefined) throw new ProviderError('rejected', 'the provider sent no ID token');
      let email = typeof claims.email === 'string' ? claims.email : undefined;
      let verified = email !== undefined && isTrue(claims.email_verified);
      // Many providers (oidc-provider's defaults among them) give the email only from userinfo.
      if (email === undefined) {
        const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
        email = typeof info.email === 'string' ? info.email : undefined;
        verified = email !== undefined && isTrue(info.email_verified);
      }
      return { subject: claims.sub, email, emailVerified: verified };
    } catch (error) {
      if (error instanceof ProviderError) throw error;
      if (isNetworkFailure(error)) throw new ProviderError('unavailable', `${provider.name} did not answer`, { cause: error });
      throw new ProviderError('rejected', `${provider.name} refused the sign-in or its answer failed the checks`, { cause: error });
    }
  }

  /** The provider's discovered configuration; a failed discovery is forgotten, so the next request tries again. */
  private configFor(provider: OidcProviderConfig): Promise<client.Configuration> {
    const cached = this.configs.get(provider.name);
    if (cached !== undefined && this.deps.clock() - cached.at < discoveryTtlMs) return cached.config;
    const insecure = provider.issuer.protocol === 'http:';
    const config = client
      .discovery(provider.issuer, provider.clientId, undefined, client.ClientSecretPost(provider.clientSecret), {
        timeout: this.deps.timeoutSeconds ?? providerTimeoutSeconds,
        // Only for a provider on this machine (the config allows http:// for loopback only).
        ...(insecure ? { execute: [client.allowInsecureRequests] } : {}),
      })
      .then((discovered) => {
        discovered.timeout = this.deps.timeoutSeconds ?? providerTimeoutSeconds;
        return discovered;
      })
      .catch((error: unknown) => {
        if (this.configs.get(provider.name)?.config === config) this.configs.delete(provider.name);
        this.deps.logger.warn({ err: error, provider: provider.name }, 'OpenID Provider discovery failed');
        throw new ProviderError('unavailable', `${provider.name} discovery failed`, { cause: error });
      });
    this.configs.set(provider.name, { config, at: this.deps.clock() });
    return config;
  }
}
