import { sql } from 'kysely';
import type { Db, Dialect } from '../store/database';
import type { EntitlementsRepository } from './entitlements.repository';
import { MeterStoreUnavailable, type MeterStore, type ViewAnswer, type ViewQuery } from './meter-store';
import type { MeterWindow } from './period';

/**
 * The meter in SQL (the embedded default, or PostgreSQL without Redis), with the same
 * semantics as the Redis script. Each count runs in one transaction; on PostgreSQL an
 * advisory lock per reader serialises concurrent views of one reader, and SQLite runs
 * one write transaction at a time.
 */
export class SqlMeterStore implements MeterStore {
  constructor(
    private readonly db: Db,
    private readonly dialect: Dialect,
    private readonly entitlements: Pick<EntitlementsRepository, 'entitlementOf'>,
  ) {}

  async view(query: ViewQuery): Promise<ViewAnswer> {
    try {
      return await this.viewInTransaction(query);
    } catch (error) {
      throw new MeterStoreUnavailable(error);
    }
  }

  private async viewInTransaction(query: ViewQuery): Promise<ViewAnswer> {
    const settings = await this.db.selectFrom('settings').select('version').where('name', '=', 'meter').executeTakeFirst();
    if (Number(settings?.version ?? 0) !== query.settingsVersion) return { kind: 'stale-settings' };
    const entitlement = query.accountId === undefined ? 'none' : await this.entitlements.entitlementOf(query.accountId, new Date(query.nowMs));
    const { newReader } = query;
    // Its own statement before the meter's transaction, as on a Redis Cluster: the network's
    // count is atomic by itself, and a new reader has no reads for another view to race.
    const capped = newReader === undefined ? undefined : newReader.bound > 0 && (await this.countNewReader(newReader.networkKey, newReader.expireAtMs)) > newReader.bound;
    if (entitlement === 'subscriber' || query.mode === 'check') return { kind: 'ok', entitlement, meter: undefined, capped };
    const { readerKey, articleId = '', window } = query;
    const limit = capped === true ? 0 : (query.limit ?? 0);
    const windowStart = window?.startMs ?? 0;

    return this.db.transaction().execute(async (trx) => {
      if (this.dialect === 'postgres') {
        await sql`select pg_advisory_xact_lock(hashtextextended(${readerKey}, 0))`.execute(trx);
      }
      await trx.deleteFrom('meter_reads').where('reader_key', '=', readerKey).where('read_at', '<', windowStart).execute();
      const reads = await trx.selectFrom('meter_reads').select(['article_id', 'read_at']).where('reader_key', '=', readerKey).execute();
      const alreadyCounted = reads.some((r) => r.article_id === articleId);
      let used = reads.length;
      let granted = alreadyCounted;
      let oldest = reads.length === 0 ? undefined : Math.min(...reads.map((r) => Number(r.read_at)));
      if (!alreadyCounted && used < limit) {
        granted = true;
        if (query.mode === 'count') {
          await trx.insertInto('meter_reads').values({ reader_key: readerKey, article_id: articleId, read_at: query.nowMs }).execute();
          used += 1;
          oldest = Math.min(oldest ?? query.nowMs, query.nowMs);
        }
      }
      return { kind: 'ok' as const, entitlement, meter: { granted, used, alreadyCounted, oldestReadAtMs: oldest }, capped };
    });
  }

  async carryOver(fromReaderKey: string, toReaderKey: string, window: MeterWindow): Promise<void> {
    try {
      const reads = await this.db
        .selectFrom('meter_reads')
        .select(['article_id', 'read_at'])
        .where('reader_key', '=', fromReaderKey)
        .where('read_at', '>=', window.startMs)
        .execute();
      if (reads.length === 0) return;
      await this.db
        .insertInto('meter_reads')
        .values(reads.map((r) => ({ reader_key: toReaderKey, article_id: r.article_id, read_at: Number(r.read_at) })))
        .onConflict((oc) => oc.columns(['reader_key', 'article_id']).doNothing())
        .execute();
    } catch (error) {
      throw new MeterStoreUnavailable(error);
    }
  }

  async newReaders(networkKey: string, mode: 'count' | 'peek', expireAtMs: number): Promise<number> {
    try {
      if (mode === 'count') return await this.countNewReader(networkKey, expireAtMs);
      const row = await this.db.selectFrom('meter_new_readers').select(['readers', 'expires_at']).where('network', '=', networkKey).executeTakeFirst();
      return row === undefined ? 0 : Number(row.readers);
    } catch (error) {
      throw new MeterStoreUnavailable(error);
    }
  }

  /** One upsert: concurrent new readers of one network each get their own count. */
  private async countNewReader(networkKey: string, expireAtMs: number): Promise<number> {
    const row = await this.db
      .insertInto('meter_new_readers')
      .values({ network: networkKey, readers: 1, expires_at: expireAtMs })
      .onConflict((oc) => oc.column('network').doUpdateSet({ readers: sql<number>`meter_new_readers.readers + 1` }))
      .returning('readers')
      .executeTakeFirstOrThrow();
    return Number(row.readers);
  }

  async prune(readsBeforeMs: number, nowMs: number): Promise<void> {
    try {
      await this.db.deleteFrom('meter_reads').where('read_at', '<', readsBeforeMs).execute();
      await this.db.deleteFrom('meter_new_readers').where('expires_at', '<=', nowMs).execute();
    } catch (error) {
      throw new MeterStoreUnavailable(error);
    }
  }

  async publishSettingsVersion(): Promise<void> {
    // Settings are read from the same database on every view: nothing to publish.
  }

  async forgetReader(readerKey: string): Promise<void> {
    await this.db.deleteFrom('meter_reads').where('reader_key', '=', readerKey).execute();
  }

  async forgetEntitlement(): Promise<void> {
    // Nothing cached.
  }

  async cacheEntitlement(): Promise<void> {
    // Entitlements are read from the database itself: nothing to cache.
  }
}
