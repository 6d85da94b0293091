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

const liveStatuses = new Set(['active', 'trialing', 'past_due', 'unpaid', 'incomplete']);

/**
 * Deletes an account: cancels its live Stripe subscriptions first (if Stripe cannot be
 * reached, nothing is deleted), then erases its data in one transaction, keeping the consent
 * records under a hash of the id, and ends its sessions and meter.
 */
export class AccountDeletion {
  constructor(
    private readonly db: Db,
    private readonly stripe: Stripe | undefined,
    private readonly billing: BillingRepository,
    private readonly sessions: AccountSessions,
    private readonly meterStore: MeterStore,
    private readonly logger: Logger,
  ) {}

  async delete(accountId: string): Promise<void> {
    for (const subscription of await this.billing.subscriptionsOf(accountId)) {
      if (!liveStatuses.has(subscription.status)) continue;
      if (this.stripe === undefined) throw new Error('cannot cancel a live subscription without Stripe keys');
      await this.stripe.subscriptions.cancel(subscription.id);
    }
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('consents').set({ account_id: erasedAccountRef(accountId) }).where('account_id', '=', accountId).execute();
      await trx.deleteFrom('meter_reads').where('reader_key', '=', `u:${accountId}`).execute();
      await trx.deleteFrom('entitlements').where('account_id', '=', accountId).execute();
      await trx.deleteFrom('subscriptions').where('account_id', '=', accountId).execute();
      await trx.deleteFrom('billing_customers').where('account_id', '=', accountId).execute();
      await trx.deleteFrom('password_resets').where('account_id', '=', accountId).execute();
      await trx.deleteFrom('accounts').where('id', '=', accountId).execute();
    });
    await this.sessions.destroyAllOf(accountId);
    await this.meterStore.forgetReader(`u:${accountId}`).catch((error: unknown) => this.logger.warn({ err: error }, 'could not drop the deleted account\'s meter'));
    await this.meterStore.forgetEntitlement(accountId).catch(() => undefined);
    this.logger.info({ account: erasedAccountRef(accountId) }, 'account deleted');
  }
}
