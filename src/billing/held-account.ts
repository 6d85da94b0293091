import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../store/database';
import { accountLockClass } from './account-lock';

/** What an apply of Stripe's state reads as it takes the subscription's lock, before Stripe is asked. */
export interface HeldAccount {
  /** The event was recorded before (a redelivery): answered without asking Stripe. */
  readonly seen: boolean;
  /**
   * PostgreSQL: the account the apply is to write, the owner of the customer the event
   * names, locked in the same statement: its row key-share-locked (an account deletion waits
   * for this transaction) and its account lock taken. Undefined on SQLite, and when the
   * customer has no owner yet (its first event): the apply then finds the account itself,
   * after Stripe's answer, in a statement that sees what committed meanwhile. Never found by
   * the event's hint here: the statement reads the database as it was before the lock was
   * granted, so a first event committing the customer's owner while this one waited would
   * not be seen, and the hint would win over the owner.
   */
  readonly account?: { readonly customerId: string; readonly owner: string; readonly exists: boolean };
}

/** What the event says before Stripe is asked: its id and its customer. */
export interface HoldRequest {
  readonly eventId: string | undefined;
  readonly customerId: string | undefined;
}

/**
 * On PostgreSQL one statement takes the subscription's lock (`lock`, in a subquery that runs
 * first: a volatile select list is never merged into its parent), then looks up whether the
 * event was recorded and which account owns the customer, and takes that account's locks. A webhook so spends one round trip before Stripe is asked, and the account's
 * locks are taken after the subscription's, as everywhere. The look-ups read the statement's
 * snapshot, taken before the lock was granted: a redelivery racing this one may not be seen
 * here, and is then told apart by the event's insert, in the transaction that writes; an
 * owner is never taken away from a customer, so one seen here is still the owner.
 */
export async function holdAccount(db: Db, lock: RawBuilder<unknown> | undefined, request: HoldRequest): Promise<HeldAccount> {
  const { eventId, customerId } = request;
  if (lock === undefined) {
    const seen = eventId !== undefined && (await db.selectFrom('stripe_events').select('id').where('id', '=', eventId).executeTakeFirst()) !== undefined;
    return { seen };
  }
  // Written as SQL, not built: it runs for every webhook, and the query builder would cost
  // about 75 µs of CPU to build it each time, against 3 µs for this template.
  const { rows } = await sql<{ seen: boolean; owner: string | null; account: string | null }>`
    select first.seen, first.owner,
      (select id from accounts where id = first.owner for key share) as account,
      case when first.owner is null then null else pg_advisory_xact_lock(${accountLockClass}::int4, hashtext(first.owner)) end as account_locked
    from (
      select ${lock} as locked,
        exists (select 1 from stripe_events where id = ${eventId ?? null}::text) as seen,
        (select account_id from billing_customers where customer_id = ${customerId ?? null}::text) as owner
    ) as first`.execute(db);
  const row = rows[0]!;
  const owner = row.owner ?? undefined;
  return { seen: Boolean(row.seen), account: customerId !== undefined && owner !== undefined ? { customerId, owner, exists: row.account !== null } : undefined };
}

/**
 * The held account, when it is the one the apply writes: the subscription's customer is the
 * one the event named (Stripe never moves a subscription to another customer, so a mismatch
 * means the event was not about it). Undefined when the apply must find (and lock) the
 * account itself.
 */
export function heldAccountFor(held: HeldAccount | undefined, customerId: string): { owner: string; account: string | undefined } | undefined {
  const account = held?.account;
  if (account === undefined || account.customerId !== customerId) return undefined;
  return { owner: account.owner, account: account.exists ? account.owner : undefined };
}
