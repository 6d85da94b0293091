import { Router, type Request } from 'express';
import type { AuthSharedDeps, LinkedIdentity } from '../sign-in-methods';
import { buildLimiter } from '../signin-throttle';
import { IdentitiesRepository } from './identities.repository';
import { identitiesRoutes } from './identities.controller';
import type { OidcClient } from './oidc-client';
import { oidcConfirmRoutes } from './oidc-confirm.controller';
import { OidcFlowsRepository } from './oidc-flows.repository';
import { oidcRoutes } from './oidc.controller';
import { OidcService } from './oidc.service';
import { OpenIdClient } from './openid-client.adapter';

/** "Continue with <provider>" (SPEC section 6): OpenID Connect sign-in, sign-up and linking. */
export interface OidcModule {
  /** The configured providers, in order, for the buttons. */
  readonly providers: readonly { readonly name: string; readonly label: string }[];
  /** `/signin/oidc/*` and the account page's unlink. */
  readonly routes: Router;
  identitiesOf(accountId: string): Promise<readonly LinkedIdentity[]>;
  /**
   * A provider's form_post answer (Apple): a cross-site POST with no CSRF token, answered only
   * with a redirect to the GET callback (which checks the state against the browser's cookie).
   * The app's CSRF check lets exactly these through.
   */
  isFormPostCallback(req: Pick<Request, 'method' | 'path'>): boolean;
  /**
   * The GET callback signs the reader in, so it needs the session middleware even when the
   * browser has no session cookie yet (app.ts runs it only for requests that carry one).
   */
  needsSession(req: Pick<Request, 'method' | 'path'>): boolean;
}

/**
 * The provider named by a callback path, matched as Express routes it: case-insensitively,
 * with or without one trailing slash, the name percent-decoded (`/signin/oidc/%6Fp/CALLBACK/`
 * reaches the `op` callback). Matching less would let a request reach the callback without
 * the session middleware.
 */
const callbackPath = /^\/signin\/oidc\/([^/]+)\/callback\/?$/i;
function callbackProvider(path: string): string | undefined {
  const name = callbackPath.exec(path)?.[1];
  if (name === undefined) return undefined;
  try {
    return decodeURIComponent(name);
  } catch {
    return undefined;
  }
}

export function buildOidc(deps: AuthSharedDeps & { readonly oidcClient?: OidcClient }): OidcModule {
  const providers = deps.oidcProviders;
  const service = new OidcService({
    messages: deps.messages,
    providers,
    client: deps.oidcClient ?? new OpenIdClient({ logger: deps.logger, clock: deps.clock }),
    flows: new OidcFlowsRepository(deps.db, deps.clock),
    identities: new IdentitiesRepository(deps.db, deps.clock),
    accounts: deps.accounts,
    emailTokens: deps.emailTokens,
    sessions: deps.sessions,
    policies: deps.policies,
    mailer: deps.mailer,
    logger: deps.logger,
    clock: deps.clock,
    publicUrl: deps.publicUrl,
    siteName: deps.siteName,
  });
  const limiter = (name: string) => buildLimiter(deps.redis, { keyPrefix: `${deps.keyPrefix}oidc:${name}`, points: 60, duration: 15 * 60 });
  const effects = { csrf: deps.csrf, meter: deps.meter, funnel: deps.funnel, clock: deps.clock, messages: deps.messages };

  const routes = Router();
  if (providers.length > 0) {
    // Before /signin/oidc/:provider, which would take "confirm" for a provider's name.
    routes.use(oidcConfirmRoutes({ ...effects, service }));
    routes.use(oidcRoutes({ ...effects, service, logger: deps.logger, keySecret: deps.secret, startsByNetwork: limiter('start'), callbacksByNetwork: limiter('callback') }));
  }
  routes.use(identitiesRoutes({ service, messages: deps.messages }));

  return {
    providers: providers.map(({ name, label }) => ({ name, label })),
    routes,
    identitiesOf: (accountId) => service.identitiesOf(accountId),
    isFormPostCallback: (req) => req.method === 'POST' && providers.some((p) => p.responseMode === 'form_post' && callbackProvider(req.path) === p.name),
    // HEAD too: Express runs the GET route for it (which answers HEAD with 405 before spending anything).
    needsSession: (req) => (req.method === 'GET' || req.method === 'HEAD') && providers.some((p) => callbackProvider(req.path) === p.name),
  };
}
