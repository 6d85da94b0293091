import type { Clock } from '../config/clock';
import type { Db } from '../store/database';
import type { Entitlement } from './access-decision';

/** An entitlement now and, for one that lapses by itself (past_due grace), when. */
export interface EntitlementLookup {
  readonly entitlement: Entitlement;
  readonly validUntil: Date | null;
}

/**
 * The source of truth for what a reader may read; billing writes it in its own transaction,
 * the gate reads it. Reads take the instant the caller decides at, so one decision reads one time.
 */
export class EntitlementsRepository {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  async entitlementOf(accountId: string, now: Date): Promise<Entitlement> {
    return (await this.lookup(accountId, now)).entitlement;
  }

  async lookup(accountId: string, now: Date): Promise<EntitlementLookup> {
    const row = await this.db
      .selectFrom('entitlements')
      .select(['status', 'valid_until'])
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    if (row === undefined || row.status !== 'subscriber') return { entitlement: 'none', validUntil: null };
    if (row.valid_until === null) return { entitlement: 'subscriber', validUntil: null };
    return row.valid_until > now.toISOString() ? { entitlement: 'subscriber', validUntil: new Date(row.valid_until) } : { entitlement: 'none', validUntil: null };
  }

  async set(accountId: string, status: Entitlement, validUntil: Date | null): Promise<void> {
    const values = { status, valid_until: validUntil?.toISOString() ?? null, updated_at: new Date(this.clock()).toISOString() };
    await this.db
      .insertInto('entitlements')
      .values({ account_id: accountId, ...values })
      .onConflict((oc) => oc.column('account_id').doUpdateSet(values))
      .execute();
  }
}
