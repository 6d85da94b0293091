import type { Clock } from '../config/clock';
import { isUniqueViolation, type Db, type Dialect } from '../store/database';
import { sql } from 'kysely';
import type { Transact, Trx } from './subscription-lock';
import { entitlementOfAccount, type EntitlementGrant } from './subscription-entitlement';

/** The class half of the account lock's advisory key, apart from the subscription lock's. */
const accountLockClass = 0x47484143; // "GHAC"

export interface SubscriptionRecord {
  readonly id: string;
  readonly accountId: string;
  readonly customerId: string;
  readonly status: string;
  readonly statusSince: string;
  readonly priceId: string | null;
  readonly currentPeriodEnd: string | null;
  readonly cancelAtPeriodEnd: boolean;
}

/** Stripe's view of a subscription, as read from the API just now. */
export interface SubscriptionSnapshot {
  readonly id: string;
  readonly customerId: string;
  readonly status: string;
  readonly priceId: string | null;
  readonly currentPeriodEnd: string | null;
  readonly cancelAtPeriodEnd: boolean;
  /** Whether it is or was in a trial (trialing, or a trial start or end): its reader is offered no other. */
  readonly hadTrial: boolean;
}

export interface ApplyInput {
  readonly snapshot: SubscriptionSnapshot;
  /** The account the event names (Checkout's reference, the subscription's metadata). */
  readonly accountHint: string | undefined;
  readonly event: { id: string; type: string } | undefined;
  readonly graceDays: number;
  /** The price ids of the configured plans: only these entitle. */
  readonly offered: ReadonlySet<string>;
}

export type ApplyOutcome = 'applied' | 'duplicate' | 'unknown-customer' | 'account-gone';
export interface ApplyResult {
  readonly outcome: ApplyOutcome;
  readonly accountId: string | undefined;
  /** Whether the stored entitlement changed (and so the cached one was dropped before commit). */
  readonly entitlementChanged: boolean;
}

export class BillingRepository {
  constructor(
    private readonly db: Db,
    private readonly dialect: Dialect,
    private readonly clock: Clock,
  ) {}

  async customerOf(accountId: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('billing_customers').select('customer_id').where('account_id', '=', accountId).executeTakeFirst();
    return row?.customer_id;
  }

  async accountOfCustomer(customerId: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('billing_customers').select('account_id').where('customer_id', '=', customerId).executeTakeFirst();
    return row?.account_id;
  }

  /** Stores the account's customer unless one is stored already; returns the one that is. */
  async keepCustomer(accountId: string, customerId: string): Promise<string> {
    try {
      await this.db.insertInto('billing_customers').values({ account_id: accountId, customer_id: customerId, created_at: new Date(this.clock()).toISOString() }).execute();
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
    return (await this.customerOf(accountId))!;
  }

  async subscriptionsOf(accountId: string): Promise<SubscriptionRecord[]> {
    const rows = await this.db.selectFrom('subscriptions').selectAll().where('account_id', '=', accountId).orderBy('updated_at', 'desc').execute();
    return rows.map((r) => ({
      id: r.id,
      accountId: r.account_id,
      customerId: r.customer_id,
      status: r.status,
      statusSince: r.status_since,
      priceId: r.price_id,
      currentPeriodEnd: r.current_period_end,
      cancelAtPeriodEnd: r.cancel_at_period_end === 1,
    }));
  }

  /** Whether any subscription of the account was ever in a trial (as told by Stripe's snapshots). */
  async hadTrial(accountId: string): Promise<boolean> {
    const row = await this.db.selectFrom('subscriptions').select('id').where('account_id', '=', accountId).where('had_trial', '=', 1).limit(1).executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Applies Stripe's current state of a subscription and the account's resulting entitlement
   * in one transaction (the subscription lock's, through `transact`), with the event id when
   * there is one: a duplicate event changes nothing, and a failure anywhere (including
   * `beforeCommit`) leaves nothing half-applied. The account is the customer's owner, else
   * the hint (Checkout's reference, the subscription's metadata); an event for an account
   * that no longer exists (deleted) is recorded and changes nothing: no billing row is ever
   * made for an id that is not in accounts.
   */
  applySubscription(transact: Transact, input: ApplyInput, beforeCommit: (accountId: string, grant: EntitlementGrant) => Promise<void>): Promise<ApplyResult> {
    const { snapshot, event } = input;
    const now = new Date(this.clock());
    return transact(async (trx) => {
      const { owner, account } = await this.accountOf(trx, snapshot.customerId, input.accountHint);
      const accountId = owner ?? input.accountHint;
      const refusal = accountId === undefined ? 'unknown-customer' : account !== undefined ? undefined : 'account-gone';
      // The event's own insert answers whether it was seen before (a redelivery, or the same event racing).
      if (event && !(await this.insertEvent(trx, event, refusal ?? 'applied', now))) return { outcome: 'duplicate', accountId, entitlementChanged: false };
      if (refusal !== undefined || accountId === undefined) return { outcome: refusal ?? 'unknown-customer', accountId, entitlementChanged: false };
      if (owner === undefined) {
        // An account keeps its first customer; a second one (made by hand at Stripe) is not stored.
        await trx.insertInto('billing_customers').values({ account_id: accountId, customer_id: snapshot.customerId, created_at: now.toISOString() }).onConflict((oc) => oc.doNothing()).execute();
      }
      await this.upsertSubscription(trx, accountId, snapshot, now);
      const { grant, changed } = await this.recomputeEntitlement(trx, accountId, input, now);
      if (changed) await beforeCommit(accountId, grant);
      return { outcome: 'applied', accountId, entitlementChanged: changed };
    });
  }

  /** Records an event that changes nothing (unknown customer, ignored type); false when seen before. */
  async recordEvent(event: { id: string; type: string }, outcome: string): Promise<boolean> {
    const now = new Date(this.clock());
    try {
      await this.db.transaction().execute((trx) => this.recordEventIn(trx, event, outcome, now));
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  /** Whether the event has been recorded (processing itself relies on the insert's conflict instead). */
  async hasEvent(id: string): Promise<boolean> {
    return (await this.db.selectFrom('stripe_events').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
  }

  private async recordEventIn(trx: Trx, event: { id: string; type: string }, outcome: string, now: Date): Promise<void> {
    await trx.insertInto('stripe_events').values({ id: event.id, type: event.type, outcome, received_at: now.toISOString() }).execute();
  }

  /** False when the event was recorded before. No error: on PostgreSQL one would abort the lock's transaction. */
  private async insertEvent(trx: Trx, event: { id: string; type: string }, outcome: string, now: Date): Promise<boolean> {
    const result = await trx
      .insertInto('stripe_events')
      .values({ id: event.id, type: event.type, outcome, received_at: now.toISOString() })
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  /**
   * In one statement: the customer's owner, and whether the account it belongs to (the
   * owner, else the hint) exists. On PostgreSQL the account row is share-locked until
   * commit: an account deletion running now either waits for this write (and then erases
   * it too) or has committed (and the row is gone).
   *
   * The same statement takes the account's lock there. The entitlement is worked out from
   * all of the account's subscriptions, while the caller holds only one subscription's lock:
   * two of an account's subscriptions changing at once (under READ COMMITTED) could each
   * read the other as it was and leave a canceled account a subscriber. One
   * transaction-scoped lock per account makes the second wait for the first's commit; it is
   * always taken after the subscription's, so no two wait on each other, and before any read
   * of the account's subscriptions (a later statement, so that read sees the first's commit).
   * (SQLite runs one write transaction at a time.)
   */
  private async accountOf(trx: Trx, customerId: string, hint: string | undefined): Promise<{ owner: string | undefined; account: string | undefined }> {
    const postgres = this.dialect === 'postgres';
    const row = await trx
      .selectNoFrom((eb) => {
        const owner = eb.selectFrom('billing_customers').select('account_id').where('customer_id', '=', customerId);
        const accountId = eb.fn.coalesce(owner, eb.val(hint ?? null));
        const account = eb.selectFrom('accounts').select('id').where('id', '=', accountId);
        return [owner.as('owner'), (postgres ? account.forShare() : account).as('account'), ...(postgres ? [sql<unknown>`pg_advisory_xact_lock(${accountLockClass}::int4, hashtext(${accountId}))`.as('locked')] : [])];
      })
      .executeTakeFirstOrThrow();
    return { owner: row.owner ?? undefined, account: row.account ?? undefined };
  }

  private async upsertSubscription(trx: Trx, accountId: string, s: SubscriptionSnapshot, now: Date): Promise<void> {
    const values = {
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
    // One statement: status_since moves only when the status does (the grace period counts from it);
    // had_trial never goes back (a state read later, or an older one read late, cannot undo a trial).
    await trx
      .insertInto('subscriptions')
      .values({ id: s.id, ...values })
      .onConflict((oc) =>
        oc.column('id').doUpdateSet({
          ...values,
          status_since: sql<string>`case when subscriptions.status = excluded.status then subscriptions.status_since else excluded.status_since end`,
          had_trial: sql<number>`case when subscriptions.had_trial = 1 then 1 else excluded.had_trial end`,
        }),
      )
      .execute();
  }

  /**
   * The account's entitlement from all of its subscriptions, written only when it differs
   * from the stored one (`changed`): a redelivered or unchanged state leaves the row and
   * the meter's cached copy of it alone.
   */
  private async recomputeEntitlement(trx: Trx, accountId: string, input: { graceDays: number; offered: ReadonlySet<string> }, now: Date): Promise<{ grant: EntitlementGrant; changed: boolean }> {
    const rows = await trx
      .selectFrom('subscriptions')
      .select((eb) => {
        const held = eb.selectFrom('entitlements').where('account_id', '=', accountId);
        return ['status', 'status_since', 'price_id', held.select('status').as('held_status'), held.select('valid_until').as('held_until')];
      })
      .where('account_id', '=', accountId)
      .execute();
    const grant = entitlementOfAccount(rows.map((r) => ({ status: r.status, statusSince: r.status_since, priceId: r.price_id })), now, input.graceDays, input.offered);
    const values = { status: grant.entitlement, valid_until: grant.validUntil?.toISOString() ?? null, updated_at: now.toISOString() };
    // The upsert just before makes at least one row; the stored entitlement rides on each.
    const held = rows[0];
    if (held !== undefined && held.held_status === values.status && (held.held_until ?? null) === values.valid_until) return { grant, changed: false };
    await trx.insertInto('entitlements').values({ account_id: accountId, ...values }).onConflict((oc) => oc.column('account_id').doUpdateSet(values)).execute();
    return { grant, changed: true };
  }
}
