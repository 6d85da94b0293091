import { sql } from 'kysely';
import type { Trx } from './subscription-lock';
import { entitlementWithGroup, type EntitlementGrant } from './subscription-entitlement';

/** What an entitlement is computed with: the grace period and the plans that entitle. */
export interface EntitlementRules {
  readonly graceDays: number;
  /** The price ids of the configured plans: only these entitle. */
  readonly offered: ReadonlySet<string>;
  /** The price ids of the plans with seats: only these entitle a group's members. */
  readonly seated: ReadonlySet<string>;
  /** Each seated plan's seats: after a move to fewer seats, only the earliest members that fit read on. */
  readonly seats?: ReadonlyMap<string, number>;
}

const statesOf = (trx: Trx, accountId: string) =>
  trx.selectFrom('subscriptions').select(['status', 'status_since as statusSince', 'price_id as priceId']).where('account_id', '=', accountId).execute();

/** What an account's entitlement is worked out from, as read under its lock. */
export interface EntitlementInputs {
  /** Its own subscriptions' states. */
  readonly own: readonly { status: string; statusSince: string; priceId: string | null }[];
  /** The owner of the group it is a member of. */
  readonly ownerId: string | undefined;
  /** The entitlement stored now. */
  readonly held: { status: string; validUntil: string | null } | undefined;
  /** Whether it leads a group with members. */
  readonly leadsGroup: boolean;
}

/** The inputs from the columns both reads of them answer (the one below, and a webhook's write-and-read). */
export function entitlementInputsFrom(own: EntitlementInputs['own'], row: { ownerId: string | null; heldStatus: string | null; heldUntil: string | null; leadsGroup: unknown }): EntitlementInputs {
  return {
    own,
    ownerId: row.ownerId ?? undefined,
    held: row.heldStatus === null ? undefined : { status: row.heldStatus, validUntil: row.heldUntil },
    // PostgreSQL answers a boolean, SQLite 0 or 1.
    leadsGroup: Boolean(row.leadsGroup),
  };
}

/**
 * In one statement (a webhook's apply reads this for every event, so round trips count):
 * the account's subscriptions, the group it is a member of, its stored entitlement, and
 * whether it leads a group with members. Every join is on the account, from a single row:
 * one row per subscription (one row without them when it has none), the rest repeated on each.
 * (A webhook on PostgreSQL reads the same with its subscription's upsert: subscription-upsert.ts.)
 */
async function entitlementInputsOf(trx: Trx, accountId: string): Promise<EntitlementInputs> {
  const rows = await trx
    .selectFrom(trx.selectNoFrom(sql<number>`1`.as('one')).as('anchor'))
    .leftJoin('subscriptions', (join) => join.on('subscriptions.account_id', '=', accountId))
    .leftJoin('group_members', (join) => join.on('group_members.member_id', '=', accountId))
    .leftJoin('entitlements', (join) => join.on('entitlements.account_id', '=', accountId))
    .select((eb) => [
      'subscriptions.status',
      'subscriptions.status_since as statusSince',
      'subscriptions.price_id as priceId',
      'group_members.owner_id as ownerId',
      'entitlements.status as heldStatus',
      'entitlements.valid_until as heldUntil',
      eb.exists(eb.selectFrom('group_members as led').select('led.member_id').where('led.owner_id', '=', accountId)).as('leadsGroup'),
    ])
    .execute();
  const own = rows.flatMap((r) => (r.status === null || r.statusSince === null ? [] : [{ status: r.status, statusSince: r.statusSince, priceId: r.priceId }]));
  return entitlementInputsFrom(own, rows[0]!);
}

/**
 * The owner's subscriptions that entitle this member: none when the member is not among the
 * first `seats` to have joined for the largest plan the owner holds (a group that moved to
 * fewer seats keeps its earliest members, the others stop reading).
 */
async function seatedOwnerStates(trx: Trx, memberId: string, ownerId: string, rules: EntitlementRules) {
  const states = await statesOf(trx, ownerId);
  if (rules.seats === undefined) return states;
  const seats = Math.max(0, ...states.map((s) => (s.priceId === null ? 0 : (rules.seats!.get(s.priceId) ?? 0))));
  const mine = await trx.selectFrom('group_members').select('joined_at').where('member_id', '=', memberId).executeTakeFirst();
  if (mine === undefined) return [];
  const ahead = await trx
    .selectFrom('group_members')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('owner_id', '=', ownerId)
    .where((eb) => eb.or([eb('joined_at', '<', mine.joined_at), eb.and([eb('joined_at', '=', mine.joined_at), eb('member_id', '<', memberId)])]))
    .executeTakeFirstOrThrow();
  return Number(ahead.n) < seats ? states : [];
}

/**
 * The account's entitlement from its own subscriptions and, for a group's member, the
 * owner's subscriptions to plans with seats; written only when it differs from the stored
 * one (`changed`): a redelivered or unchanged state leaves the row and the meter's cached
 * copy alone. The caller holds the account's lock (and, for a member, the owner's first).
 * `leadsGroup`: whether the account has members of its own, whose entitlements follow it.
 */
export async function recomputeEntitlement(trx: Trx, accountId: string, rules: EntitlementRules, now: Date): Promise<{ grant: EntitlementGrant; changed: boolean; leadsGroup: boolean }> {
  return recomputeEntitlementFrom(trx, accountId, await entitlementInputsOf(trx, accountId), rules, now);
}

/** The same, from inputs the caller read under the account's lock. */
export async function recomputeEntitlementFrom(trx: Trx, accountId: string, inputs: EntitlementInputs, rules: EntitlementRules, now: Date): Promise<{ grant: EntitlementGrant; changed: boolean; leadsGroup: boolean }> {
  const { own, ownerId, held, leadsGroup } = inputs;
  const owners = ownerId === undefined ? [] : await seatedOwnerStates(trx, accountId, ownerId, rules);
  const grant = entitlementWithGroup(own, owners, now, rules.graceDays, rules.offered, rules.seated);
  const values = { status: grant.entitlement, valid_until: grant.validUntil?.toISOString() ?? null, updated_at: now.toISOString() };
  if (held !== undefined && held.status === values.status && held.validUntil === values.valid_until) return { grant, changed: false, leadsGroup };
  await trx.insertInto('entitlements').values({ account_id: accountId, ...values }).onConflict((oc) => oc.column('account_id').doUpdateSet(values)).execute();
  return { grant, changed: true, leadsGroup };
}

/**
 * Members' entitlements worked out again, each under its own lock (taken after the owner's,
 * which the caller holds); the ids whose entitlement changed, each passed to `changed` first.
 */
export async function recomputeMembers(
  trx: Trx,
  lockAccount: (accountId: string) => Promise<void>,
  memberIds: readonly string[],
  rules: EntitlementRules,
  now: Date,
  changed: (accountId: string, grant: EntitlementGrant) => Promise<void>,
): Promise<string[]> {
  const ids: string[] = [];
  for (const memberId of memberIds) {
    await lockAccount(memberId);
    const result = await recomputeEntitlement(trx, memberId, rules, now);
    if (!result.changed) continue;
    await changed(memberId, result.grant);
    ids.push(memberId);
  }
  return ids;
}
