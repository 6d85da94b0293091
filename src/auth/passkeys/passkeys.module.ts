import { Router } from 'express';
import type { AuthSharedDeps, PasskeySummary } from '../sign-in-methods';

/** Passkeys (WebAuthn, SPEC section 6): added on /account, used from /signin and the gate. */
export interface PasskeysModule {
  /** `/passkeys/*` and the account page's add and remove. */
  readonly routes: Router;
  passkeysOf(accountId: string): Promise<readonly PasskeySummary[]>;
}

export function buildPasskeys(_deps: AuthSharedDeps): PasskeysModule {
  return { routes: Router(), passkeysOf: async () => [] };
}
