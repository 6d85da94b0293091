import { Router, type Request } from 'express';
import type { AuthSharedDeps, PasskeySummary } from '../sign-in-methods';
import { browserBundleRoutes } from './browser-bundle';
import { PasskeyChallengesRepository } from './passkey-challenges.repository';
import { passkeyAccountRoutes } from './passkey-account.controller';
import { passkeyProvenAt } from './passkey-session';
import { passkeySigninRoutes } from './passkey-signin.controller';
import { PasskeyThrottle } from './passkey-throttle';
import { PasskeysRepository } from './passkeys.repository';
import { PasskeysService } from './passkeys.service';
import { relyingPartyOf } from './relying-party';

export { webauthnBundlePath } from './browser-bundle';

/** Passkeys (WebAuthn, SPEC section 6): added on /account, used from /signin and the gate. */
export interface PasskeysModule {
  /** `/signin/passkey*`, `/account/passkeys*` and the browser library's bundle. */
  readonly routes: Router;
  /**
   * The browser library's bundle alone, for mounting beside the static files (before the
   * session middleware, which a script needs no more than site.css does).
   */
  readonly assets: Router;
  passkeysOf(accountId: string): Promise<readonly PasskeySummary[]>;
  /**
   * When the session's signed-in account last signed in with one of its passkeys (the
   * admin's second factor, ADMIN_REQUIRE_PASSKEY); undefined when it has not.
   */
  provenAt(req: Request): number | undefined;
}

export function buildPasskeys(deps: AuthSharedDeps): PasskeysModule {
  const { db, clock, secret } = deps;
  const service = new PasskeysService({
    passkeys: new PasskeysRepository(db, clock),
    challenges: new PasskeyChallengesRepository(db, clock),
    accounts: deps.accounts,
    rp: relyingPartyOf(deps.publicUrl, deps.siteName),
    publicUrl: deps.publicUrl,
    mailer: deps.mailer,
    logger: deps.logger,
    clock,
    messages: deps.messages,
  });
  const throttle = new PasskeyThrottle({ redis: deps.redis, keyPrefix: deps.keyPrefix, keySecret: secret });
  const assets = browserBundleRoutes();
  const routes = Router();
  routes.use(assets);
  routes.use(passkeySigninRoutes({ service, throttle, effects: deps, secret, clock, messages: deps.messages }));
  routes.use(passkeyAccountRoutes({ service, accounts: deps.accounts, secret, clock, messages: deps.messages }));
  return { routes, assets, passkeysOf: (accountId) => service.list(accountId), provenAt: passkeyProvenAt };
}
