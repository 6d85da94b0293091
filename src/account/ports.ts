import type { Request, Response } from 'express';
import type { Account, LinkedIdentity, PasskeySummary } from '../auth/auth.module';
import type { ConsentRecord } from '../consent/consent.module';

/** A subscription as the account page and the data export show it (billing's record). */
export interface AccountSubscription {
  readonly status: string;
  readonly priceId: string | null;
  readonly currentPeriodEnd: string | null;
  readonly cancelAtPeriodEnd: boolean;
}

/** What the account page, the export and deletion need from billing (its service). */
export interface AccountBilling {
  /** Cancels the customer's live subscriptions at Stripe and deletes the customer; throws when Stripe cannot be reached. */
  closeCustomer(accountId: string): Promise<void>;
  accountSummary(accountId: string): Promise<{ configured: boolean; hasCustomer: boolean; subscription: AccountSubscription | undefined; planName: string | undefined }>;
  subscriptionsOf(accountId: string): Promise<readonly AccountSubscription[]>;
}

/** Who is reading, as meter tells them apart. */
export interface MeterReader {
  readonly accountId?: string;
  readonly anonymousId?: string;
  readonly capped?: boolean;
}

/** What the account module needs from meter (its gate). */
export interface AccountMeter {
  /** The reader's meter as it stands, counting nothing. */
  meterOf(reader: MeterReader): Promise<{ entitlement: string; limit: number; used: number; periodEndsAt: Date }>;
  /** Drops a deleted account's meter and cached entitlement. */
  forgetAccount(accountId: string): Promise<void>;
}

/** Meter's reader of a request (`peek` issues no cookie). */
export type AccountReaderOf = (req: Request, res: Response, mode: 'peek') => Promise<MeterReader>;

/** Auth's lookup of an account. */
export interface AccountLookup {
  findById(id: string): Promise<Account | undefined>;
}

/** Consent's records of one account. */
export interface ConsentHistory {
  consentsOf(accountId: string): Promise<readonly ConsentRecord[]>;
}

/**
 * A part of the account page another module owns (gift links, the newsletter…): its data
 * for the page (rendered by `views/account-<name>.eta` with `it.sections[name]`) and for the
 * reader's data export.
 */
export interface AccountSection {
  readonly name: string;
  pageData(accountId: string): Promise<unknown>;
  exportData?(accountId: string): Promise<unknown>;
}

/** The ways in beside password and emailed link that the account page lists (auth's). */
export interface AccountSignInMethods {
  identitiesOf(accountId: string): Promise<readonly LinkedIdentity[]>;
  passkeysOf(accountId: string): Promise<readonly PasskeySummary[]>;
}
