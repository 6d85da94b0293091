import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../store/database';
import { accountLockClass } from './account-lock';

/** What an apply of Stripe's state reads as it takes the subscription's lock, before Stripe is asked. */
export interface HeldAccount {
  /** The event was recorded before (a redelivery): answered without asking Stripe. */
  readonly seen: boolean;
  /**
   * PostgreSQL: the account the apply is to write, as the event names it (its customer's
   * owner, else its hint), locked in the same statement: its row key-share-locked (an
   * account deletion waits for this transaction) and its account lock taken. Undefined
   * on SQLite, and when the event names no account: the apply then finds it itself.
   */
  readonly account?: { readonly customerId: string; readonly hint: string | undefined; readonly owner: string | undefined; readonly exists: boolean };
}

/** What the event says before Stripe is asked: its id, its customer, the account it names. */
export interface HoldRequest {
  readonly eventId: string | undefined;
  readonly customerId: string | undefined;
  readonly hint: string | undefined;
}

/**
 * On PostgreSQL one statement takes the subscription's lock (`lock`, in a subquery that runs
 * first: a volatile select list is never merged into its parent), then looks up whether the
 * event was recorded and which account the customer belongs to, and takes that account's
 * locks. A webhook so spends one round trip before Stripe is asked, and the account's
 * locks are taken after the subscription's, as everywhere. The look-ups read the statement's
 * snapshot, taken before the lock was granted: a redelivery racing this one may not be seen
 * here, and is then told apart by the event's insert, in the transaction that writes.
 */
export async function holdAccount(db: Db, lock: RawBuilder<unknown> | undefined, request: HoldRequest): Promise<HeldAccount> {
  const { eventId, customerId, hint } = request;
  if (lock === undefined) {
    const seen = eventId !== undefined && (await db.selectFrom('stripe_events').select('id').where('id', '=', eventId).executeTakeFirst()) !== undefined;
    return { seen };
  }
  // Written as SQL, not built: it runs for every webhook, and the query builder would cost
  // about 75 µs of CPU to build it each time, against 3 µs for this template.
  const { rows } = await sql<{ seen: boolean; owner: string | null; account: string | null }>`
    select first.seen, first.owner,
      (select id from accounts where id = coalesce(first.owner, first.hint) for key share) as account,
      case when coalesce(first.owner, first.hint) is null then null
        else pg_advisory_xact_lock(${accountLockClass}::int4, hashtext(coalesce(first.owner, first.hint))) end as account_locked
    from (
      select ${lock} as locked,
        exists (select 1 from stripe_events where id = ${eventId ?? null}::text) as seen,
        (select account_id from billing_customers where customer_id = ${customerId ?? null}::text) as owner,
        ${hint ?? null}::text as hint
    ) as first`.execute(db);
  const row = rows[0]!;
  const owner = row.owner ?? undefined;
  const named = customerId !== undefined && (owner !== undefined || hint !== undefined);
  return { seen: Boolean(row.seen), account: named ? { customerId, hint, owner, exists: row.account !== null } : undefined };
}

/**
 * The held account, when it is the one the apply writes: the subscription's customer is the
 * one the event named (Stripe never moves a subscription to another customer, so a mismatch
 * means the event was not about it), and the account is the customer's owner or else the
 * same hint. Undefined when the apply must find (and lock) the account itself.
 */
export function heldAccountFor(held: HeldAccount | undefined, customerId: string, hint: string | undefined): { owner: string | undefined; account: string | undefined } | undefined {
  const account = held?.account;
  if (account === undefined || account.customerId !== customerId) return undefined;
  if (account.owner === undefined && account.hint !== hint) return undefined;
  const accountId = account.owner ?? account.hint;
  return { owner: account.owner, account: account.exists ? accountId : undefined };
}
