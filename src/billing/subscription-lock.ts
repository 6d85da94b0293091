import { createHash } from 'node:crypto';
import { sql, type RawBuilder, type Transaction } from 'kysely';
import type { Db, Dialect } from '../store/database';
import type { Database } from '../store/schema';

export type Trx = Transaction<Database>;

/** Runs `work` in the database transaction that the lock's holder writes in (once). */
export type Transact = <T>(work: (trx: Trx) => Promise<T>) => Promise<T>;

/**
 * What the holder reads from the database as it takes the lock. On PostgreSQL `lock` is
 * the lock's expression and the read must select it: the lock and the read are one
 * statement, one round trip (a webhook's round trips are most of its cost). Elsewhere the
 * read runs once the lock is held, and `lock` is undefined.
 */
export type LockedRead<R> = (db: Db, lock: RawBuilder<unknown> | undefined) => Promise<R>;

/**
 * Serialises the read-from-Stripe-then-write of one subscription: two events for it
 * must not both read Stripe and then commit in the other order (the slower, older read
 * would win). `read` runs as the lock is taken; `fn` then reads Stripe and writes through
 * `transact`; its writes have committed before the next holder of the same subscription's
 * lock starts.
 */
export interface SubscriptionLock {
  withSubscriptionLock<T, R>(subscriptionId: string, read: LockedRead<R>, fn: (transact: Transact, read: R) => Promise<T>): Promise<T>;
}

/** The class half of the two-int advisory key: these locks stay apart from any other use of advisory locks. */
export const subscriptionLockClass = 0x47485342; // "GHSB"

/** A 32-bit key for a subscription id; a collision only makes two subscriptions wait for each other. */
export function subscriptionLockKey(subscriptionId: string): number {
  return createHash('sha256').update(subscriptionId).digest().readInt32BE(0);
}

/**
 * PostgreSQL: a transaction-scoped advisory lock, taken before the Stripe read and let go
 * by the commit of the transaction that writes. Transaction-scoped, never session-level,
 * so that it works through PgBouncer in transaction mode and cannot outlive a failure.
 * It holds a connection for the length of the Stripe read: callers read everything else
 * they need from the database before taking it, so that a burst cannot starve the pool.
 */
export class PostgresSubscriptionLock implements SubscriptionLock {
  constructor(private readonly db: Db) {}

  withSubscriptionLock<T, R>(subscriptionId: string, read: LockedRead<R>, fn: (transact: Transact, read: R) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(async (trx) => {
      const value = await read(trx, sql`pg_advisory_xact_lock(${subscriptionLockClass}::int4, ${subscriptionLockKey(subscriptionId)}::int4)`);
      return fn(onceIn(trx), value);
    });
  }
}

/**
 * SQLite (embedded, one process): a per-subscription mutex in memory. A SQLite transaction
 * must not stay open across the Stripe call: Kysely's SqliteDialect has one connection,
 * so it would hold up every other query of the app.
 */
export class InProcessSubscriptionLock implements SubscriptionLock {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly counts = new Map<string, number>();

  constructor(private readonly db: Db) {}

  async withSubscriptionLock<T, R>(subscriptionId: string, read: LockedRead<R>, fn: (transact: Transact, read: R) => Promise<T>): Promise<T> {
    const previous = this.tails.get(subscriptionId) ?? Promise.resolve();
    let release!: () => void;
    const tail = previous.then(() => new Promise<void>((resolve) => (release = resolve)));
    this.tails.set(subscriptionId, tail);
    this.counts.set(subscriptionId, (this.counts.get(subscriptionId) ?? 0) + 1);
    await previous;
    try {
      return await fn((work) => this.db.transaction().execute(work), await read(this.db, undefined));
    } finally {
      release();
      const left = this.counts.get(subscriptionId)! - 1;
      if (left === 0) this.counts.delete(subscriptionId);
      else this.counts.set(subscriptionId, left);
      if (this.tails.get(subscriptionId) === tail) this.tails.delete(subscriptionId);
    }
  }

  /** How many callers hold or wait for a subscription's lock (tests watch for contention). */
  holders(subscriptionId: string): number {
    return this.counts.get(subscriptionId) ?? 0;
  }
}

export function buildSubscriptionLock(db: Db, dialect: Dialect): SubscriptionLock {
  return dialect === 'postgres' ? new PostgresSubscriptionLock(db) : new InProcessSubscriptionLock(db);
}

function onceIn(trx: Trx): Transact {
  let used = false;
  return (work) => {
    // One transaction per holder: a second use would share (and could poison) the first's.
    if (used) throw new Error('the subscription lock\'s transaction is used once');
    used = true;
    return work(trx);
  };
}
