import { createHash } from 'node:crypto';
import type Stripe from 'stripe';
import type { Logger } from 'pino';
import type { Db } from '../store/database';
import type { AccountSessions } from '../store/session-store.redis';
import type { MeterStore } from '../meter/meter-store';
import type { BillingRepository } from '../billing/billing.repository';

/** What stays of an account id on its consent records: a one-way hash, as proof of consent. */
export function erasedAccountRef(accountId: string): string {
  return `erased:${createHash('sha256').update(accountId).digest('hex')}`;
}

/** Statuses in which Stripe may still charge the customer. */
const endedStatuses = new Set(['canceled', 'incomplete_expired']);

export interface AccountDeletionDeps {
  readonly db: Db;
  readonly stripe: Stripe | undefined;
  readonly billing: BillingRepository;
  readonly sessions: AccountSessions;
  readonly meterStore: MeterStore;
  readonly logger: Logger;
}

/**
 * Deletes an account: first, at Stripe, cancels every live subscription of its customer
 * and deletes the customer (if Stripe cannot be reached, nothing is deleted); then erases
 * its data in one transaction, keeping the consent records under a hash of the id, and
 * ends its sessions and meter. The webhooks that the cancellation causes arrive for an
 * account that is gone, and change nothing.
 */
export class AccountDeletion {
  constructor(private readonly deps: AccountDeletionDeps) {}

  async delete(accountId: string): Promise<void> {
    const { db, logger, meterStore } = this.deps;
    const customer = await this.deps.billing.customerOf(accountId);
    if (customer !== undefined) await this.endCustomer(customer);
    await db.transaction().execute(async (trx) => {
      // The account row goes first: on PostgreSQL a webhook writing for this account holds
      // it share-locked, so this waits for that write, and the deletes below then see it.
      await trx.deleteFrom('accounts').where('id', '=', accountId).execute();
      await trx.updateTable('consents').set({ account_id: erasedAccountRef(accountId) }).where('account_id', '=', accountId).execute();
      await trx.deleteFrom('meter_reads').where('reader_key', '=', `u:${accountId}`).execute();
      await trx.deleteFrom('entitlements').where('account_id', '=', accountId).execute();
      await trx.deleteFrom('subscriptions').where('account_id', '=', accountId).execute();
      await trx.deleteFrom('billing_customers').where('account_id', '=', accountId).execute();
      await trx.deleteFrom('password_resets').where('account_id', '=', accountId).execute();
    });
    await this.deps.sessions.destroyAllOf(accountId);
    await meterStore.forgetReader(`u:${accountId}`).catch((error: unknown) => logger.warn({ err: error }, 'could not drop the deleted account\'s meter'));
    await meterStore.forgetEntitlement(accountId).catch(() => undefined);
    logger.info({ account: erasedAccountRef(accountId) }, 'account deleted');
  }

  /**
   * Asks Stripe, not the local rows, which subscriptions the customer has: one whose
   * webhook never arrived would otherwise go on charging a reader who has left.
   */
  private async endCustomer(customer: string): Promise<void> {
    const stripe = this.deps.stripe;
    if (stripe === undefined) throw new Error('cannot end a Stripe customer without Stripe keys');
    let subscriptions: Stripe.Subscription[];
    try {
      subscriptions = await stripe.subscriptions.list({ customer, status: 'all', limit: 100 }).autoPagingToArray({ limit: 10_000 });
    } catch (error) {
      // The customer is gone at Stripe already (with its subscriptions): a retry of a deletion.
      if (isMissing(error)) return;
      throw error;
    }
    for (const subscription of subscriptions) {
      if (!endedStatuses.has(subscription.status)) await stripe.subscriptions.cancel(subscription.id);
    }
    try {
      await stripe.customers.del(customer);
    } catch (error) {
      // Deleted already: a deletion that failed after this point is being tried again.
      if (!isMissing(error)) throw error;
    }
  }
}

function isMissing(error: unknown): boolean {
  return (error as { statusCode?: unknown }).statusCode === 404 || (error as { code?: unknown }).code === 'resource_missing';
}
