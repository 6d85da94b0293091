import { isUniqueViolation, type Db } from '../store/database';
import { sql, type Transaction } from 'kysely';
import type { Database } from '../store/schema';
import { entitlementOfAccount, type EntitlementGrant } from './subscription-entitlement';

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
}

type Trx = Transaction<Database>;

export class BillingRepository {
  constructor(private readonly db: Db) {}

  async customerOf(accountId: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('billing_customers').select('customer_id').where('account_id', '=', accountId).executeTakeFirst();
    return row?.customer_id;
  }

  async accountOfCustomer(customerId: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('billing_customers').select('account_id').where('customer_id', '=', customerId).executeTakeFirst();
    return row?.account_id;
  }

  /** Stores the account's customer unless one is stored already; returns the one that is. */
  async keepCustomer(accountId: string, customerId: string, now: Date = new Date()): Promise<string> {
    try {
      await this.db.insertInto('billing_customers').values({ account_id: accountId, customer_id: customerId, created_at: now.toISOString() }).execute();
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

  /**
   * Applies Stripe's current state of a subscription and the account's resulting entitlement
   * in one transaction, with the event id when there is one: a duplicate event changes
   * nothing, and a failure anywhere (including `beforeCommit`) leaves nothing half-applied.
   * Returns false when the event was already applied.
   */
  async applySubscription(
    input: { accountId: string; snapshot: SubscriptionSnapshot | undefined; event?: { id: string; type: string }; graceDays: number; now: Date },
    beforeCommit: (grant: EntitlementGrant) => Promise<void>,
  ): Promise<boolean> {
    try {
      await this.db.transaction().execute(async (trx) => {
        if (input.event) await this.recordEventIn(trx, input.event, 'applied', input.now);
        if (input.snapshot) await this.upsertSubscription(trx, input.accountId, input.snapshot, input.now);
        const grant = await this.recomputeEntitlement(trx, input.accountId, input.graceDays, input.now);
        await beforeCommit(grant);
      });
      return true;
    } catch (error) {
      if (input.event && isUniqueViolation(error)) return false;
      throw error;
    }
  }

  /** Records an event that changes nothing (unknown customer, ignored type); false when seen before. */
  async recordEvent(event: { id: string; type: string }, outcome: string, now: Date = new Date()): Promise<boolean> {
    try {
      await this.db.transaction().execute((trx) => this.recordEventIn(trx, event, outcome, now));
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  async hasEvent(id: string): Promise<boolean> {
    return (await this.db.selectFrom('stripe_events').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
  }

  private async recordEventIn(trx: Trx, event: { id: string; type: string }, outcome: string, now: Date): Promise<void> {
    await trx.insertInto('stripe_events').values({ id: event.id, type: event.type, outcome, received_at: now.toISOString() }).execute();
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
      updated_at: now.toISOString(),
    };
    // One statement: status_since moves only when the status does (the grace period counts from it).
    await trx
      .insertInto('subscriptions')
      .values({ id: s.id, ...values })
      .onConflict((oc) =>
        oc.column('id').doUpdateSet({
          ...values,
          status_since: sql<string>`case when subscriptions.status = excluded.status then subscriptions.status_since else excluded.status_since end`,
        }),
      )
      .execute();
  }

  private async recomputeEntitlement(trx: Trx, accountId: string, graceDays: number, now: Date): Promise<EntitlementGrant> {
    const rows = await trx.selectFrom('subscriptions').select(['status', 'status_since']).where('account_id', '=', accountId).execute();
    const grant = entitlementOfAccount(rows.map((r) => ({ status: r.status, statusSince: r.status_since })), now, graceDays);
    const values = { status: grant.entitlement, valid_until: grant.validUntil?.toISOString() ?? null, updated_at: now.toISOString() };
    await trx.insertInto('entitlements').values({ account_id: accountId, ...values }).onConflict((oc) => oc.column('account_id').doUpdateSet(values)).execute();
    return grant;
  }
}
