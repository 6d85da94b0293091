import { Router } from 'express';
import type { AuthSharedDeps, LinkedIdentity } from '../sign-in-methods';

/** "Continue with <provider>" (SPEC section 6): OpenID Connect sign-in, sign-up and linking. */
export interface OidcModule {
  /** The configured providers, in order, for the buttons. */
  readonly providers: readonly { readonly name: string; readonly label: string }[];
  /** `/signin/oidc/*` and the account page's unlink. */
  readonly routes: Router;
  identitiesOf(accountId: string): Promise<readonly LinkedIdentity[]>;
}

export function buildOidc(deps: AuthSharedDeps): OidcModule {
  return {
    providers: deps.oidcProviders.map(({ name, label }) => ({ name, label })),
    routes: Router(),
    identitiesOf: async () => [],
  };
}
