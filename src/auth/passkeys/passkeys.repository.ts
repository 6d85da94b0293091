import type { Clock } from '../../config/clock';
import { isUniqueViolation, type Db } from '../../store/database';
import type { PasskeySummary } from '../sign-in-methods';

/** A stored WebAuthn credential, as verification needs it. */
export interface StoredPasskey {
  /** The credential id, base64url. */
  readonly id: string;
  readonly accountId: string;
  /** The COSE public key, base64url. */
  readonly publicKey: string;
  readonly counter: number;
  readonly transports: readonly string[];
}

export class PasskeyTakenError extends Error {
  constructor() {
    super('This passkey is registered already.');
  }
}

const toSummary = (row: { id: string; name: string; created_at: string; last_used_at: string | null }): PasskeySummary => ({
  id: row.id,
  name: row.name,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
});

export class PasskeysRepository {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  async add(passkey: StoredPasskey & { name: string }): Promise<void> {
    try {
      await this.db
        .insertInto('passkeys')
        .values({
          id: passkey.id,
          account_id: passkey.accountId,
          public_key: passkey.publicKey,
          counter: passkey.counter,
          transports: passkey.transports.join(','),
          name: passkey.name,
          created_at: new Date(this.clock()).toISOString(),
          last_used_at: null,
        })
        .execute();
    } catch (error) {
      if (isUniqueViolation(error)) throw new PasskeyTakenError();
      throw error;
    }
  }

  async find(id: string): Promise<StoredPasskey | undefined> {
    const row = await this.db.selectFrom('passkeys').select(['id', 'account_id', 'public_key', 'counter', 'transports']).where('id', '=', id).executeTakeFirst();
    if (row === undefined) return undefined;
    return {
      id: row.id,
      accountId: row.account_id,
      publicKey: row.public_key,
      // PostgreSQL answers a bigint as a string.
      counter: Number(row.counter),
      transports: row.transports === '' ? [] : row.transports.split(','),
    };
  }

  /** Oldest first, as the account page lists them. */
  async listOf(accountId: string): Promise<PasskeySummary[]> {
    const rows = await this.db.selectFrom('passkeys').select(['id', 'name', 'created_at', 'last_used_at']).where('account_id', '=', accountId).orderBy('created_at').orderBy('id').execute();
    return rows.map(toSummary);
  }

  async credentialsOf(accountId: string): Promise<{ id: string; transports: string[] }[]> {
    const rows = await this.db.selectFrom('passkeys').select(['id', 'transports']).where('account_id', '=', accountId).execute();
    return rows.map((row) => ({ id: row.id, transports: row.transports === '' ? [] : row.transports.split(',') }));
  }

  /**
   * Records a use. An authenticator that counts must show a counter above the stored one;
   * the comparison is in the update, so two parallel sign-ins showing the same counter (a
   * cloned key) cannot both pass. False when the counter did not move forward.
   */
  async recordUse(id: string, previousCounter: number, newCounter: number): Promise<boolean> {
    const now = new Date(this.clock()).toISOString();
    let update = this.db.updateTable('passkeys').set({ counter: newCounter, last_used_at: now }).where('id', '=', id);
    // Counters of 0 on both sides: an authenticator that does not count (most synced passkeys).
    if (newCounter > 0 || previousCounter > 0) update = update.where('counter', '<', newCounter);
    const result = await update.executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Removes one of the account's own passkeys; false when it has no passkey by that id. */
  async remove(accountId: string, id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('passkeys').where('id', '=', id).where('account_id', '=', accountId).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  /** Removes every passkey of the account (an operator's `gatehouse passkeys remove`); the number removed. */
  async removeAllOf(accountId: string): Promise<number> {
    const result = await this.db.deleteFrom('passkeys').where('account_id', '=', accountId).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
