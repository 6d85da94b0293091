import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Db } from '../store/database';
import type { AccountSessions } from '../store/session-store.redis';
import type { AccountBilling, AccountMeter } from './ports';

/** What stays of an account id on its consent records: a one-way hash, as proof of consent. */
export function erasedAccountRef(accountId: string): string {
  return `erased:${createHash('sha256').update(accountId).digest('hex')}`;
}

export interface AccountDeletionDeps {
  readonly db: Db;
  readonly billing: Pick<AccountBilling, 'closeCustomer'>;
  readonly sessions: AccountSessions;
  readonly meter: Pick<AccountMeter, 'forgetAccount'>;
  readonly logger: Pick<Logger, 'info' | 'warn'>;
}

/**
 * Deletes an account: first billing closes its Stripe customer (if Stripe cannot be
 * reached, nothing is deleted); then its data goes in one transaction, keeping the consent
 * records under a hash of the id; then its sessions and meter end. The webhooks that the
 * cancellation causes arrive for an account that is gone, and change nothing.
 */
export class AccountDeletion {
  constructor(private readonly deps: AccountDeletionDeps) {}

  async delete(accountId: string): Promise<void> {
    const { db, logger } = this.deps;
    await this.deps.billing.closeCustomer(accountId);
    await db.transaction().execute(async (trx) => {
      // The account row goes first: on PostgreSQL a webhook writing for this account holds
      // it share-locked, so this waits for that write, and the deletes below then see it.
      await trx.deleteFrom('accounts').where('id', '=', accountId).execute();
      await trx.updateTable('consents').set({ account_id: erasedAccountRef(accountId) }).where('account_id', '=', accountId).execute();
      // Billing's rows go in this same transaction, so no half-deleted account is ever seen.
      await trx.deleteFrom('entitlements').where('account_id', '=', accountId).execute();
      await trx.deleteFrom('subscriptions').where('account_id', '=', accountId).execute();
      await trx.deleteFrom('billing_customers').where('account_id', '=', accountId).execute();
      await trx.deleteFrom('password_resets').where('account_id', '=', accountId).execute();
    });
    await this.deps.sessions.destroyAllOf(accountId);
    // The account is gone either way: a meter left behind is pruned with its period.
    await this.deps.meter.forgetAccount(accountId).catch((error: unknown) => logger.warn({ err: error }, "could not drop the deleted account's meter"));
    logger.info({ account: erasedAccountRef(accountId) }, 'account deleted');
  }
}
