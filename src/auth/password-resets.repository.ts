import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../config/clock';
import type { Db } from '../store/database';

const hash = (token: string) => createHash('sha256').update(token).digest('hex');

async function spendAll(db: Db, accountId: string, now: Date): Promise<void> {
  await db.updateTable('password_resets').set({ used_at: now.toISOString() }).where('account_id', '=', accountId).where('used_at', 'is', null).execute();
}

export class PasswordResetsRepository {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** A new single-use token (256 random bits); only its hash is stored. */
  async create(accountId: string, ttlMs: number): Promise<string> {
    const now = new Date(this.clock());
    const token = randomBytes(32).toString('base64url');
    await this.db
      .insertInto('password_resets')
      .values({ token_hash: hash(token), account_id: accountId, expires_at: new Date(now.getTime() + ttlMs).toISOString(), used_at: null, created_at: now.toISOString() })
      .execute();
    return token;
  }

  /** The account a token opens, while it is unused and unexpired. */
  async accountFor(token: string): Promise<string | undefined> {
    const now = new Date(this.clock());
    const row = await this.db
      .selectFrom('password_resets')
      .select('account_id')
      .where('token_hash', '=', hash(token))
      .where('used_at', 'is', null)
      .where('expires_at', '>', now.toISOString())
      .executeTakeFirst();
    return row?.account_id;
  }

  /**
   * Spends the token and sets the new password hash in one transaction; every other open
   * token of the account is spent too. Returns the account, or undefined when the token
   * was not valid (already used, expired, unknown): then nothing changes.
   */
  async redeem(token: string, passwordHash: string): Promise<string | undefined> {
    const now = new Date(this.clock());
    return this.db.transaction().execute(async (trx) => {
      const spent = await trx
        .updateTable('password_resets')
        .set({ used_at: now.toISOString() })
        .where('token_hash', '=', hash(token))
        .where('used_at', 'is', null)
        .where('expires_at', '>', now.toISOString())
        .returning('account_id')
        .executeTakeFirst();
      if (spent === undefined) return undefined;
      await spendAll(trx, spent.account_id, now);
      await trx.updateTable('accounts').set({ password_hash: passwordHash, updated_at: now.toISOString() }).where('id', '=', spent.account_id).execute();
      return spent.account_id;
    });
  }

  /** Spends every open token of the account: a changed password or email makes them stale. */
  spendAllOf(accountId: string): Promise<void> {
    return spendAll(this.db, accountId, new Date(this.clock()));
  }
}
