import type { Clock } from '../config/clock';
import type { Account } from '../auth/auth.module';
import type { ConsentRecord } from '../consent/consent.module';
import type { AccountBilling, AccountLookup, AccountMeter, AccountSection, AccountSignInMethods, AccountSubscription, ConsentHistory, MeterReader } from './ports';
import type { LinkedIdentity, PasskeySummary } from '../auth/auth.module';

export interface AccountServiceDeps {
  readonly accounts: AccountLookup;
  readonly consent: ConsentHistory;
  readonly billing: Pick<AccountBilling, 'accountSummary' | 'subscriptionsOf'>;
  readonly meter: Pick<AccountMeter, 'meterOf'>;
  readonly signInMethods: AccountSignInMethods;
  /** Other modules' parts of the page, in the order shown. */
  readonly sections: readonly AccountSection[];
  readonly clock: Clock;
}

/** What the account page shows besides the account itself. */
export interface AccountPage {
  readonly consents: readonly ConsentRecord[];
  readonly subscription: AccountSubscription | undefined;
  readonly planName: string | undefined;
  readonly hasCustomer: boolean;
  readonly billingConfigured: boolean;
  readonly identities: readonly LinkedIdentity[];
  readonly passkeys: readonly PasskeySummary[];
  /** Each other module's part, by name (`views/account-<name>.eta`), in the order shown. */
  readonly sectionNames: readonly string[];
  readonly sections: Readonly<Record<string, unknown>>;
}

/** `GET /api/me` (SPEC section 5). */
export interface Me {
  readonly signedIn: boolean;
  readonly email: string | null;
  readonly emailVerified: boolean;
  readonly entitlement: string;
  readonly meter: { readonly limit: number; readonly used: number; readonly remaining: number; readonly periodEndsAt: string };
}

/** A reader's own account: the page, the data export, and who they are to the JSON API. */
export class AccountService {
  constructor(private readonly deps: AccountServiceDeps) {}

  account(accountId: string): Promise<Account | undefined> {
    return this.deps.accounts.findById(accountId);
  }

  async page(accountId: string): Promise<AccountPage> {
    const [consents, summary, identities, passkeys, sections] = await Promise.all([
      this.deps.consent.consentsOf(accountId),
      this.deps.billing.accountSummary(accountId),
      this.deps.signInMethods.identitiesOf(accountId),
      this.deps.signInMethods.passkeysOf(accountId),
      Promise.all(this.deps.sections.map(async (s) => [s.name, await s.pageData(accountId)] as const)),
    ]);
    return {
      consents,
      subscription: summary.subscription,
      planName: summary.planName,
      hasCustomer: summary.hasCustomer,
      billingConfigured: summary.configured,
      identities,
      passkeys,
      sectionNames: this.deps.sections.map((s) => s.name),
      sections: Object.fromEntries(sections),
    };
  }

  /** Everything held about the account, for the reader to download. */
  async dataExport(account: Account) {
    const exported = this.deps.sections.filter((s) => s.exportData !== undefined);
    const [consents, subscriptions, identities, passkeys, sections] = await Promise.all([
      this.deps.consent.consentsOf(account.id),
      this.deps.billing.subscriptionsOf(account.id),
      this.deps.signInMethods.identitiesOf(account.id),
      this.deps.signInMethods.passkeysOf(account.id),
      Promise.all(exported.map(async (s) => [s.name, await s.exportData!(account.id)] as const)),
    ]);
    return {
      exportedAt: new Date(this.deps.clock()).toISOString(),
      account: { id: account.id, email: account.email, createdAt: account.createdAt },
      subscriptions: subscriptions.map((s) => ({ status: s.status, priceId: s.priceId, currentPeriodEnd: s.currentPeriodEnd, cancelAtPeriodEnd: s.cancelAtPeriodEnd })),
      consents: consents.map((c) => ({ document: c.document, version: c.policyVersion, wording: c.wording, method: c.method, acceptedAt: c.acceptedAt })),
      identities: identities.map((i) => ({ provider: i.provider, email: i.email, linkedAt: i.linkedAt })),
      passkeys: passkeys.map((p) => ({ name: p.name, createdAt: p.createdAt, lastUsedAt: p.lastUsedAt })),
      ...Object.fromEntries(sections),
    };
  }

  /** The reader and their meter; a session whose account is gone reads as signed out. */
  async me(reader: MeterReader): Promise<Me> {
    const account = reader.accountId === undefined ? undefined : await this.deps.accounts.findById(reader.accountId);
    const meter = await this.deps.meter.meterOf({ ...reader, accountId: account?.id });
    return {
      signedIn: account !== undefined,
      email: account?.email ?? null,
      emailVerified: account?.emailVerifiedAt !== undefined,
      entitlement: meter.entitlement,
      meter: {
        limit: meter.limit,
        used: Math.min(meter.used, meter.limit),
        remaining: Math.max(0, meter.limit - meter.used),
        periodEndsAt: new Date(meter.periodEndsAt).toISOString(),
      },
    };
  }
}
