import type { Kysely } from 'kysely';

/**
 * One trial per reader, across accounts (SPEC section 13). A subscription's `had_trial` goes
 * with its account when the account is deleted, so a reader could delete and sign up again
 * for a second trial. A claim outlives the account: its key is a keyed hash (HMAC with the
 * session secret) of the reader's normalised email, or of the account id, and it names the
 * subscription that took the trial by a keyed hash too, so nothing in it is personal data in
 * clear. Account deletion leaves this table alone on purpose.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('trial_claims')
    .addColumn('key_hash', 'text', (c) => c.primaryKey())
    .addColumn('subscription_hash', 'text', (c) => c.notNull())
    .addColumn('claimed_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('trial_claims').execute();
}
