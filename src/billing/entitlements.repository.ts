import type { Db } from '../store/database';
import type { Entitlement } from '../meter/access-decision';

/** The source of truth for what a reader may read; billing writes it, the gate reads it. */
export class EntitlementsRepository {
  constructor(private readonly db: Db) {}

  async entitlementOf(accountId: string, now: Date): Promise<Entitlement> {
    return (await this.lookup(accountId, now)).entitlement;
  }

  /** The entitlement now and, for one that lapses by itself, when. */
  async lookup(accountId: string, now: Date): Promise<{ entitlement: Entitlement; validUntil: Date | null }> {
    const row = await this.db
      .selectFrom('entitlements')
      .select(['status', 'valid_until'])
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    if (row === undefined || row.status !== 'subscriber') return { entitlement: 'none', validUntil: null };
    if (row.valid_until === null) return { entitlement: 'subscriber', validUntil: null };
    return row.valid_until > now.toISOString() ? { entitlement: 'subscriber', validUntil: new Date(row.valid_until) } : { entitlement: 'none', validUntil: null };
  }

  async set(accountId: string, status: Entitlement, validUntil: Date | null, now: Date = new Date()): Promise<void> {
    const values = { status, valid_until: validUntil?.toISOString() ?? null, updated_at: now.toISOString() };
    await this.db
      .insertInto('entitlements')
      .values({ account_id: accountId, ...values })
      .onConflict((oc) => oc.column('account_id').doUpdateSet(values))
      .execute();
  }
}
