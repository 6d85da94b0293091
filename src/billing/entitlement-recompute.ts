import type { Trx } from './subscription-lock';
import { entitlementWithGroup, type EntitlementGrant } from './subscription-entitlement';

/** What an entitlement is computed with: the grace period and the plans that entitle. */
export interface EntitlementRules {
  readonly graceDays: number;
  /** The price ids of the configured plans: only these entitle. */
  readonly offered: ReadonlySet<string>;
  /** The price ids of the plans with seats: only these entitle a group's members. */
  readonly seated: ReadonlySet<string>;
}

const statesOf = (trx: Trx, accountId: string) =>
  trx.selectFrom('subscriptions').select(['status', 'status_since as statusSince', 'price_id as priceId']).where('account_id', '=', accountId).execute();

/**
 * The account's entitlement from its own subscriptions and, for a group's member, the
 * owner's subscriptions to plans with seats; written only when it differs from the stored
 * one (`changed`): a redelivered or unchanged state leaves the row and the meter's cached
 * copy alone. The caller holds the account's lock (and, for a member, the owner's first).
 */
export async function recomputeEntitlement(trx: Trx, accountId: string, rules: EntitlementRules, now: Date): Promise<{ grant: EntitlementGrant; changed: boolean }> {
  const own = await statesOf(trx, accountId);
  const membership = await trx.selectFrom('group_members').select('owner_id').where('member_id', '=', accountId).executeTakeFirst();
  const owners = membership === undefined ? [] : await statesOf(trx, membership.owner_id);
  const grant = entitlementWithGroup(own, owners, now, rules.graceDays, rules.offered, rules.seated);
  const values = { status: grant.entitlement, valid_until: grant.validUntil?.toISOString() ?? null, updated_at: now.toISOString() };
  const held = await trx.selectFrom('entitlements').select(['status', 'valid_until']).where('account_id', '=', accountId).executeTakeFirst();
  if (held !== undefined && held.status === values.status && (held.valid_until ?? null) === values.valid_until) return { grant, changed: false };
  await trx.insertInto('entitlements').values({ account_id: accountId, ...values }).onConflict((oc) => oc.column('account_id').doUpdateSet(values)).execute();
  return { grant, changed: true };
}
