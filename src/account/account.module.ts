import type { Router } from 'express';
import type { Logger } from 'pino';
import type { Clock } from '../config/clock';
import type { EmailVerificationService, PasswordsService } from '../auth/auth.module';
import type { DatabaseHandle } from '../store/database';
import type { AccountSessions } from '../store/session-store.redis';
import type { Messages } from '../http/i18n';
import { AccountDeletion } from './account-deletion';
import { accountRoutes } from './account.controller';
import { AccountService } from './account.service';
import type { AccountBilling, AccountLookup, AccountMeter, AccountReaderOf, AccountSection, AccountSignInMethods, ConsentHistory } from './ports';

export type { AccountDeletion } from './account-deletion';
export type { AccountService, AccountPage, Me } from './account.service';
export type { AccountBilling, AccountLookup, AccountMeter, AccountReaderOf, AccountSection, AccountSignInMethods, AccountSubscription, ConsentHistory, MeterReader } from './ports';
export { erasedAccountRef } from './account-deletion';

export interface AccountDeps {
  readonly database: DatabaseHandle;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Ends every session of a deleted account. */
  readonly sessions: AccountSessions;
  /** Consent's service. */
  readonly consent: ConsentHistory;
  /** Billing's service. */
  readonly billing: AccountBilling;
  /** Auth's services and its account lookup. */
  readonly passwords: Pick<PasswordsService, 'changePassword' | 'confirm'>;
  readonly accounts: AccountLookup;
  readonly emailVerification: Pick<EmailVerificationService, 'requestChange'>;
  /** Auth's providers and passkeys, listed on the page and in the export. */
  readonly signInMethods: AccountSignInMethods;
  /** Other modules' parts of the page and the export (gift links, the newsletter), in the order shown. */
  readonly sections?: readonly AccountSection[];
  /** Meter's gate, and its reader of a request (for `GET /api/me`). */
  readonly meter: AccountMeter;
  readonly readerOf: AccountReaderOf;
  /** The pages' words (LOCALE). */
  readonly messages: Messages;
}

export interface AccountModule {
  readonly service: AccountService;
  readonly deletion: AccountDeletion;
  /** `/account*` and `GET /api/me`. */
  readonly routes: Router;
}

export function buildAccount(deps: AccountDeps): AccountModule {
  const { clock } = deps;
  const service = new AccountService({ accounts: deps.accounts, consent: deps.consent, billing: deps.billing, meter: deps.meter, signInMethods: deps.signInMethods, sections: deps.sections ?? [], clock });
  const deletion = new AccountDeletion({ db: deps.database.db, billing: deps.billing, sessions: deps.sessions, meter: deps.meter, logger: deps.logger });
  const routes = accountRoutes({ service, deletion, passwords: deps.passwords, emailVerification: deps.emailVerification, readerOf: deps.readerOf, clock, messages: deps.messages });
  return { service, deletion, routes };
}
