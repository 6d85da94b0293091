import { sql, type OnConflictBuilder } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import type { Database, SubscriptionsTable } from '../store/schema';
import type { Trx } from './subscription-lock';
import type { SubscriptionSnapshot } from './billing.repository';
import type { EntitlementInputs } from './entitlement-recompute';

export const eventRow = (event: { id: string; type: string }, outcome: string, now: Date) => ({ id: event.id, type: event.type, outcome, received_at: now.toISOString() });

/** A subscription row as written (every column given). */
type SubscriptionRow = { [K in keyof SubscriptionsTable]-?: K extends 'had_trial' ? number : SubscriptionsTable[K] };

const subscriptionColumns = ['id', 'account_id', 'customer_id', 'status', 'status_since', 'price_id', 'current_period_end', 'cancel_at_period_end', 'had_trial', 'updated_at'] as const;

function subscriptionRow(accountId: string, s: SubscriptionSnapshot, now: Date): SubscriptionRow {
  return {
    id: s.id,
    account_id: accountId,
    customer_id: s.customerId,
    status: s.status,
    status_since: now.toISOString(),
    price_id: s.priceId,
    current_period_end: s.currentPeriodEnd,
    cancel_at_period_end: s.cancelAtPeriodEnd ? 1 : 0,
    had_trial: s.hadTrial ? 1 : 0,
    updated_at: now.toISOString(),
  };
}

/**
 * status_since moves only when the status does (the grace period counts from it); had_trial
 * never goes back (a state read later, or an older one read late, cannot undo a trial).
 */
function onSubscriptionConflict(oc: OnConflictBuilder<Database, 'subscriptions'>, row: SubscriptionRow) {
  const { id: _id, ...values } = row;
  return oc.column('id').doUpdateSet({
    ...values,
    status_since: sql<string>`case when subscriptions.status = excluded.status then subscriptions.status_since else excluded.status_since end`,
    had_trial: sql<number>`case when subscriptions.had_trial = 1 then 1 else excluded.had_trial end`,
  });
}

/** Writes the subscription's state for the account (no event to record: a reader back from Checkout, or SQLite). */
export async function upsertSubscription(trx: Trx, accountId: string, s: SubscriptionSnapshot, now: Date): Promise<void> {
  const row = subscriptionRow(accountId, s, now);
  await trx.insertInto('subscriptions').values(row).onConflict((oc) => onSubscriptionConflict(oc, row)).execute();
}

/**
 * PostgreSQL, in one statement (a webhook's round trips are most of its cost): records the
 * event, upserts the subscription unless the event was recorded before (the upsert selects
 * from the event's insert, so a duplicate's selects no row), and reads what the account's
 * entitlement is worked out from. The statement's reads do not see its own writes: the
 * account's subscriptions are the upserted row and the others as stored. The caller holds
 * the account's lock, taken in an earlier statement, so this one sees every write before it.
 * `inputs` is meaningless when `fresh` is false.
 */
export async function recordUpsertAndRead(trx: Trx, event: { id: string; type: string }, accountId: string, s: SubscriptionSnapshot, now: Date): Promise<{ fresh: boolean; inputs: EntitlementInputs }> {
  const row = subscriptionRow(accountId, s, now);
  const result = await trx
    .with('recorded', (db) => db.insertInto('stripe_events').values(eventRow(event, 'applied', now)).onConflict((oc) => oc.column('id').doNothing()).returning('id'))
    .with('upserted', (db) =>
      db
        .insertInto('subscriptions')
        .columns(subscriptionColumns)
        // Parameters in a select list are text to PostgreSQL: the integer columns are cast.
        .expression(db.selectFrom('recorded').select((eb) => subscriptionColumns.map((column) => (typeof row[column] === 'number' ? eb.cast(eb.val(row[column]), 'integer') : eb.val(row[column])).as(column))))
        .onConflict((oc) => onSubscriptionConflict(oc, row))
        .returning(['status', 'status_since', 'price_id']),
    )
    .selectNoFrom((eb) => [
      eb.exists(eb.selectFrom('upserted').select('status')).as('fresh'),
      jsonArrayFrom(
        eb
          .selectFrom('upserted')
          .select(['status', 'status_since as statusSince', 'price_id as priceId'])
          .unionAll(eb.selectFrom('subscriptions').select(['status', 'status_since as statusSince', 'price_id as priceId']).where('account_id', '=', accountId).where('id', '<>', s.id)),
      ).as('own'),
      eb.selectFrom('group_members').select('owner_id').where('member_id', '=', accountId).as('ownerId'),
      eb.selectFrom('entitlements').select('status').where('account_id', '=', accountId).as('heldStatus'),
      eb.selectFrom('entitlements').select('valid_until').where('account_id', '=', accountId).as('heldUntil'),
      eb.exists(eb.selectFrom('group_members as led').select('led.member_id').where('led.owner_id', '=', accountId)).as('leadsGroup'),
    ])
    .executeTakeFirstOrThrow();
  return {
    fresh: Boolean(result.fresh),
    inputs: {
      own: result.own,
      ownerId: result.ownerId ?? undefined,
      held: result.heldStatus === null ? undefined : { status: result.heldStatus, validUntil: result.heldUntil ?? null },
      leadsGroup: Boolean(result.leadsGroup),
    },
  };
}
