import { randomUUID } from 'node:crypto';
import type { Clock } from '../../config/clock';
import { isUniqueViolation, type Db } from '../../store/database';
import { EmailTakenError, type NewConsent } from '../accounts.repository';

/** The (issuer, subject) is already some account's. */
export class IdentityTakenError extends Error {
  constructor() {
    super('this identity is already linked to an account');
    this.name = 'IdentityTakenError';
  }
}

export interface IdentityRow {
  readonly id: string;
  readonly accountId: string;
  readonly provider: string;
  readonly email: string | null;
  readonly linkedAt: string;
}

export interface NewIdentity {
  /** The name in OIDC_PROVIDERS, for the account page. */
  readonly provider: string;
  /** Who vouches for `subject`: identities are keyed by (issuer, subject), never by the name. */
  readonly issuer: string;
  readonly subject: string;
  readonly email: string;
}

export type UnlinkOutcome = 'unlinked' | 'not-found' | 'last-way-in';

type Row = { id: string; account_id: string; provider: string; email: string | null; linked_at: string };
const toIdentity = (row: Row): IdentityRow => ({ id: row.id, accountId: row.account_id, provider: row.provider, email: row.email, linkedAt: row.linked_at });

export class IdentitiesRepository {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  private now(): string {
    return new Date(this.clock()).toISOString();
  }

  async findBySubject(issuer: string, subject: string): Promise<IdentityRow | undefined> {
    const row = await this.db.selectFrom('identities').select(['id', 'account_id', 'provider', 'email', 'linked_at']).where('issuer', '=', issuer).where('subject', '=', subject).executeTakeFirst();
    return row === undefined ? undefined : toIdentity(row);
  }

  async listOf(accountId: string): Promise<IdentityRow[]> {
    const rows = await this.db.selectFrom('identities').select(['id', 'account_id', 'provider', 'email', 'linked_at']).where('account_id', '=', accountId).orderBy('linked_at').execute();
    return rows.map(toIdentity);
  }

  /** Throws IdentityTakenError when the identity is another account's (or this one's) already. */
  async link(accountId: string, identity: NewIdentity): Promise<void> {
    const at = this.now();
    try {
      await this.db.insertInto('identities').values({ id: randomUUID(), account_id: accountId, provider: identity.provider, issuer: identity.issuer, subject: identity.subject, email: identity.email, linked_at: at, last_used_at: at }).execute();
    } catch (error) {
      if (isUniqueViolation(error)) throw new IdentityTakenError();
      throw error;
    }
  }

  /** A sign-in with it: when, and the email the provider gives now (for the account page). */
  async touch(id: string, email: string | undefined): Promise<void> {
    await this.db
      .updateTable('identities')
      .set({ last_used_at: this.now(), ...(email === undefined ? {} : { email }) })
      .where('id', '=', id)
      .execute();
  }

  /**
   * The account (no password), its consent records and its identity commit together or not
   * at all. Throws EmailTakenError or IdentityTakenError when another request won a race.
   */
  async createAccountWithIdentity(account: { id: string; email: string; createdAt: string; emailVerifiedAt: string | undefined }, consents: readonly NewConsent[], identity: NewIdentity): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      try {
        await trx
          .insertInto('accounts')
          .values({ id: account.id, email: account.email, password_hash: '', is_admin: 0, created_at: account.createdAt, updated_at: account.createdAt, email_verified_at: account.emailVerifiedAt ?? null })
          .execute();
      } catch (error) {
        if (isUniqueViolation(error)) throw new EmailTakenError();
        throw error;
      }
      await trx
        .insertInto('consents')
        .values(consents.map((c) => ({ account_id: account.id, document: c.document, policy_version: c.policyVersion, wording: c.wording, method: c.method, accepted_at: account.createdAt })))
        .execute();
      try {
        await trx.insertInto('identities').values({ id: randomUUID(), account_id: account.id, provider: identity.provider, issuer: identity.issuer, subject: identity.subject, email: identity.email, linked_at: account.createdAt, last_used_at: account.createdAt }).execute();
      } catch (error) {
        if (isUniqueViolation(error)) throw new IdentityTakenError();
        throw error;
      }
    });
  }

  /**
   * Removes the account's identity unless it is its last way in: no password, no other
   * identity, no passkey, and an email nobody proved (a proven one can always get an emailed
   * link). The account row is written first, which locks it on PostgreSQL (SQLite runs one
   * write transaction at a time), so two parallel unlinks of its last two identities cannot
   * both see the other one still there.
   */
  async unlink(accountId: string, identityId: string): Promise<UnlinkOutcome> {
    return this.db.transaction().execute(async (trx) => {
      const locked = await trx.updateTable('accounts').set({ updated_at: this.now() }).where('id', '=', accountId).returning(['password_hash', 'email_verified_at']).executeTakeFirst();
      if (locked === undefined) return 'not-found';
      const mine = await trx.selectFrom('identities').select('id').where('id', '=', identityId).where('account_id', '=', accountId).executeTakeFirst();
      if (mine === undefined) return 'not-found';
      const others = await trx.selectFrom('identities').select((eb) => eb.fn.countAll<number | string>().as('n')).where('account_id', '=', accountId).where('id', '<>', identityId).executeTakeFirstOrThrow();
      const passkeys = await trx.selectFrom('passkeys').select((eb) => eb.fn.countAll<number | string>().as('n')).where('account_id', '=', accountId).executeTakeFirstOrThrow();
      const otherWayIn = locked.password_hash !== '' || locked.email_verified_at !== null || Number(others.n) > 0 || Number(passkeys.n) > 0;
      if (!otherWayIn) return 'last-way-in';
      await trx.deleteFrom('identities').where('id', '=', identityId).where('account_id', '=', accountId).execute();
      return 'unlinked';
    });
  }
}
