import type { Clock } from '../config/clock';
import { isUniqueViolation, type Db } from '../store/database';
import type { ConsentDocument, ConsentMethod } from '../consent/consent.module';

export interface Account {
  readonly id: string;
  readonly email: string;
  readonly isAdmin: boolean;
  readonly createdAt: string;
  /** When the reader proved they read mail at `email`; absent until then. */
  readonly emailVerifiedAt?: string;
  /** False for accounts made through an emailed link until the reader sets a password. */
  readonly hasPassword: boolean;
}

export interface AccountWithPassword extends Account {
  readonly passwordHash: string;
}

/** A consent record made with the account: a document's, or the newsletter's box. */
export interface NewConsent {
  readonly document: ConsentDocument;
  readonly policyVersion: string;
  readonly wording: string;
  readonly method: ConsentMethod;
}

export class EmailTakenError extends Error {
  constructor() {
    super('an account with this email already exists');
    this.name = 'EmailTakenError';
  }
}

type AccountRow = { id: string; email: string; is_admin: number; created_at: string; password_hash: string; email_verified_at: string | null };

function toAccount(row: AccountRow): AccountWithPassword {
  return {
    id: row.id,
    email: row.email,
    isAdmin: row.is_admin === 1,
    createdAt: row.created_at,
    passwordHash: row.password_hash,
    hasPassword: row.password_hash !== '',
    ...(row.email_verified_at === null ? {} : { emailVerifiedAt: row.email_verified_at }),
  };
}

export class AccountsRepository {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  private now(): string {
    return new Date(this.clock()).toISOString();
  }

  async findByEmail(email: string): Promise<AccountWithPassword | undefined> {
    const row = await this.db.selectFrom('accounts').selectAll().where('email', '=', email).executeTakeFirst();
    return row === undefined ? undefined : toAccount(row);
  }

  async findById(id: string): Promise<Account | undefined> {
    const found = await this.findByIdWithPassword(id);
    if (found === undefined) return undefined;
    const { passwordHash: _omitted, ...account } = found;
    return account;
  }

  async findByIdWithPassword(id: string): Promise<AccountWithPassword | undefined> {
    const row = await this.db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toAccount(row);
  }

  /**
   * The account and its consent records commit together or not at all. An empty
   * `passwordHash` makes an account that no password opens (made by an emailed link).
   */
  async createWithConsents(
    account: { id: string; email: string; passwordHash: string; createdAt: string; emailVerifiedAt?: string },
    consents: readonly NewConsent[],
  ): Promise<void> {
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('accounts')
          .values({
            id: account.id,
            email: account.email,
            password_hash: account.passwordHash,
            is_admin: 0,
            created_at: account.createdAt,
            updated_at: account.createdAt,
            email_verified_at: account.emailVerifiedAt ?? null,
          })
          .execute();
        await trx
          .insertInto('consents')
          .values(
            consents.map((c) => ({
              account_id: account.id,
              document: c.document,
              policy_version: c.policyVersion,
              wording: c.wording,
              method: c.method,
              accepted_at: account.createdAt,
            })),
          )
          .execute();
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new EmailTakenError();
      throw error;
    }
  }

  async updatePassword(accountId: string, passwordHash: string): Promise<void> {
    await this.db.updateTable('accounts').set({ password_hash: passwordHash, updated_at: this.now() }).where('id', '=', accountId).execute();
  }

  /** Throws EmailTakenError when another account has the email. */
  async updateEmail(accountId: string, email: string): Promise<void> {
    try {
      await this.db.updateTable('accounts').set({ email, updated_at: this.now() }).where('id', '=', accountId).execute();
    } catch (error) {
      if (isUniqueViolation(error)) throw new EmailTakenError();
      throw error;
    }
  }

  /** Marks the email proven, only while it is still the account's email. */
  async markEmailVerified(accountId: string, email: string): Promise<void> {
    await this.db
      .updateTable('accounts')
      .set({ email_verified_at: this.now() })
      .where('id', '=', accountId)
      .where('email', '=', email)
      .where('email_verified_at', 'is', null)
      .execute();
  }

  /** Returns false when no account has this email. */
  async setAdmin(email: string, isAdmin: boolean): Promise<boolean> {
    const result = await this.db
      .updateTable('accounts')
      .set({ is_admin: isAdmin ? 1 : 0, updated_at: this.now() })
      .where('email', '=', email)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }
}
