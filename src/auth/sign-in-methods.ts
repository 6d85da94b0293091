import type { Request } from 'express';
import type { Clock } from '../config/clock';
import type { Csrf } from '../http/csrf';
import type { FunnelSink, WayIn } from '../funnel/funnel.module';
import { anonymousIdOf, readerKeyOf } from '../meter/meter.module';
import type { AuthDeps } from './auth.module';
import type { Account } from './accounts.repository';
import type { MeterCarryOver } from './ports';
import { logIn } from './passport';
import type { AccountsRepository } from './accounts.repository';
import type { EmailTokensRepository } from './email-tokens.repository';
import type { SigninLinksService } from './signin-links.service';

declare module 'express-session' {
  interface SessionData {
    /** How this session signed in (rules that need a particular proof read it). */
    wayIn?: WayIn;
  }
}

/** What the identity-provider and passkey parts share with the rest of auth. */
export interface AuthSharedDeps extends AuthDeps {
  readonly accounts: AccountsRepository;
  readonly emailTokens: EmailTokensRepository;
  readonly signinLinks: SigninLinksService;
}

/** An account's identity at a provider, as the account page and the export show it. */
export interface LinkedIdentity {
  readonly id: string;
  readonly provider: string;
  readonly label: string;
  readonly email: string | null;
  readonly linkedAt: string;
}

export interface PasskeySummary {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
}


export interface SignInEffects {
  readonly csrf: Csrf;
  readonly meter: MeterCarryOver;
  readonly funnel: FunnelSink;
  readonly clock: Clock;
}

/**
 * What every way in does once it knows the account: a new session id (passport), a new
 * CSRF token, the anonymous meter carried into the account, and the way in counted.
 */
export async function completeSignIn(req: Request, account: Account, effects: SignInEffects, way: WayIn, created: boolean): Promise<void> {
  await logIn(req, account, effects.clock());
  req.session.wayIn = way;
  effects.csrf.token(req, true);
  await effects.meter.carryOver(anonymousIdOf(req), account.id);
  const reader = readerKeyOf({ accountId: account.id });
  if (created) effects.funnel.record('signup', reader);
  effects.funnel.record(created ? `signup-by:${way}` : `signin-by:${way}`, reader);
}
