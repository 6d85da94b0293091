import { sql } from 'kysely';
import type { Dialect } from '../store/database';
import type { Trx } from './subscription-lock';

/** The class half of the account lock's advisory key, apart from the subscription lock's. */
export const accountLockClass = 0x47484143; // "GHAC"

/**
 * Takes an account's transaction-scoped lock (PostgreSQL): every write of an account's
 * entitlement holds it, and reads what the entitlement comes from only after taking it, so
 * two writers never each compute from the other's old state. Groups take the owner's lock
 * before any member's, always in that order. SQLite runs one write transaction at a time.
 */
export async function lockAccount(trx: Trx, dialect: Dialect, accountId: string): Promise<void> {
  if (dialect !== 'postgres') return;
  await sql`select pg_advisory_xact_lock(${accountLockClass}::int4, hashtext(${accountId}))`.execute(trx);
}
