import { isUniqueViolation, type Db } from '../store/database';
import type { ConsentMethod, PolicyDocument } from '../consent/policies.repository';

export interface Account {
  readonly id: string;
  readonly email: string;
  readonly isAdmin: boolean;
  readonly createdAt: string;
}

export interface AccountWithPassword extends Account {
  readonly passwordHash: string;
}

export interface NewConsent {
  readonly document: PolicyDocument;
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

type AccountRow = { id: string; email: string; is_admin: number; created_at: string; password_hash: string };

function toAccount(row: AccountRow): AccountWithPassword {
  return {
    id: row.id,
    email: row.email,
    isAdmin: row.is_admin === 1,
    createdAt: row.created_at,
    passwordHash: row.password_hash,
  };
}

export class AccountsRepository {
  constructor(private readonly db: Db) {}

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

  /** The account and its consent records commit together or not at all. */
  async createWithConsents(
    account: { id: string; email: string; passwordHash: string; createdAt: string },
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

  async updatePassword(accountId: string, passwordHash: string, now: Date = new Date()): Promise<void> {
    await this.db.updateTable('accounts').set({ password_hash: passwordHash, updated_at: now.toISOString() }).where('id', '=', accountId).execute();
  }

  /** Throws EmailTakenError when another account has the email. */
  async updateEmail(accountId: string, email: string, now: Date = new Date()): Promise<void> {
    try {
      await this.db.updateTable('accounts').set({ email, updated_at: now.toISOString() }).where('id', '=', accountId).execute();
    } catch (error) {
      if (isUniqueViolation(error)) throw new EmailTakenError();
      throw error;
    }
  }

  /** Returns false when no account has this email. */
  async setAdmin(email: string, isAdmin: boolean): Promise<boolean> {
    const result = await this.db
      .updateTable('accounts')
      .set({ is_admin: isAdmin ? 1 : 0, updated_at: new Date().toISOString() })
      .where('email', '=', email)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }
}
