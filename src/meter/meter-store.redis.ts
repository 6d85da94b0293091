import type { RedisClient } from '../store/redis';
import type { Entitlement } from './access-decision';
import { MeterStoreUnavailable, type MeterStore, type ViewAnswer, type ViewQuery } from './meter-store';
import type { MeterWindow } from './period';
import { readerKeyOf } from './gate';

// KEYS: 1 the reader's meter (sorted set: article id -> first read, in seconds), 2 the
//       account's entitlement (only for signed-in readers), then a new reader's network
//       count (only when ARGV[9] is above 0), last the settings version (only when ARGV[8]
//       is '1').
// ARGV: 1 known settings version, 2 mode, 3 article id, 4 limit, 5 window start (s),
//       6 now (s), 7 expire at (s), 8 '1' when the script checks the settings version,
//       9 the new-reader bound ('0': no new reader to count), 10 the count's expiry (s).
// One call decides atomically: a new reader is counted against their network, and past the
// bound metered with a limit of 0; expired reads are dropped, a re-read is granted free, a
// new article is added only while fewer than `limit` are counted. On a Cluster the settings
// version and the network's count live in other slots, so the caller handles them first and
// ARGV[8] and ARGV[9] are '0'.
const viewScript = `
local n = #KEYS
if ARGV[8] == '1' then
  local version = redis.call('GET', KEYS[n]) or '0'
  if version ~= ARGV[1] then return {'stale'} end
  n = n - 1
end
local network = nil
if tonumber(ARGV[9]) > 0 then
  network = KEYS[n]
  n = n - 1
end
local entitlement = 'none'
if n == 2 then
  entitlement = redis.call('GET', KEYS[2])
  if not entitlement then return {'miss'} end
end
-- Counted only once nothing can send the caller back to retry.
local limit = tonumber(ARGV[4])
local capped = 0
if network then
  local readers = redis.call('INCR', network)
  redis.call('EXPIREAT', network, ARGV[10])
  if readers > tonumber(ARGV[9]) then
    capped = 1
    limit = 0
  end
end
if entitlement == 'subscriber' or ARGV[2] == 'check' then return {'ok', entitlement, capped} end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[5])
local counted = redis.call('ZSCORE', KEYS[1], ARGV[3])
local used = redis.call('ZCARD', KEYS[1])
local granted = 0
if counted then
  granted = 1
elseif used < limit then
  granted = 1
  if ARGV[2] == 'count' then
    redis.call('ZADD', KEYS[1], ARGV[6], ARGV[3])
    redis.call('EXPIREAT', KEYS[1], ARGV[7])
    used = used + 1
  end
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {'ok', entitlement, capped, granted, used, counted and 1 or 0, oldest[2] or ''}
`;

// KEYS: 1 from, 2 to. ARGV: 1 window start (s), 2 expire at (s).
// ZADD LT keeps the earlier first-read time when both readers opened the same article.
const carryOverScript = `
local reads = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf', 'WITHSCORES')
for i = 1, #reads, 2 do
  redis.call('ZADD', KEYS[2], 'LT', reads[i + 1], reads[i])
end
if #reads > 0 then redis.call('EXPIREAT', KEYS[2], ARGV[2]) end
return #reads / 2
`;

type MeterRedis = RedisClient & {
  gatehouseView(...args: (string | number)[]): Promise<(string | number)[]>;
  gatehouseCarryOver(...args: (string | number)[]): Promise<number>;
};

const seconds = (ms: number) => Math.floor(ms / 1000);

/**
 * The meter in Redis. On a Cluster, each reader's keys carry the reader as hash tag
 * (`{u:42}` and `ent:{u:42}` share a slot), so that every script and transaction touches
 * one slot; on one server the keys keep their untagged names.
 */
export class RedisMeterStore implements MeterStore {
  private readonly redis: MeterRedis;
  private readonly cluster: boolean;

  constructor(
    redis: RedisClient,
    private readonly options: { keyPrefix: string; entitlementTtlSeconds?: number },
  ) {
    this.cluster = redis.isCluster;
    // defineCommand sends EVALSHA, falling back to EVAL once after a script-cache flush.
    redis.defineCommand('gatehouseView', { lua: viewScript });
    redis.defineCommand('gatehouseCarryOver', { lua: carryOverScript, numberOfKeys: 2 });
    this.redis = redis as MeterRedis;
  }

  private key(...parts: string[]): string {
    return `${this.options.keyPrefix}${parts.join(':')}`;
  }

  /**
   * `m:a:<id>` on one server; `{a:<id>}` on a Cluster: the reader is the hash tag, and the
   * braces take the place of `m:`, so that a reader-month costs no more bytes.
   */
  private meterKey(readerKey: string): string {
    return this.cluster ? `${this.options.keyPrefix}{${readerKey}}` : this.key('m', readerKey);
  }

  /** `ent:<id>` on one server; `ent:{u:<id>}` on a Cluster, in the slot of the account's meter. */
  private entitlementKey(accountId: string): string {
    return this.key('ent', this.cluster ? `{${readerKeyOf({ accountId })!}}` : accountId);
  }

  /** The keys that hold a reader's meter, so the benchmark can weigh them without knowing the layout. */
  readerKeys(readerKey: string): string[] {
    return [this.meterKey(readerKey)];
  }

  async view(query: ViewQuery): Promise<ViewAnswer> {
    const { newReader, window } = query;
    const counting = newReader !== undefined && newReader.bound > 0;
    const keys = [this.meterKey(query.readerKey)];
    if (query.accountId !== undefined) keys.push(this.entitlementKey(query.accountId));
    if (counting && !this.cluster) keys.push(this.newReadersKey(newReader.networkKey));
    const versionKey = this.key('settings', 'version');
    if (!this.cluster) keys.push(versionKey);
    let clusterCapped = false;
    let reply: (string | number)[];
    try {
      if (this.cluster) {
        // Single-key steps before the script, which then counts under settings still current:
        // the version, then a new reader's network. Its slot is not the reader's, so on a
        // Cluster a new reader's first view stays a trip more than a returning reader's (3, not
        // 1 as on one server or Sentinel).
        if (((await this.redis.get(versionKey)) ?? '0') !== String(query.settingsVersion)) return { kind: 'stale-settings' };
        if (counting) clusterCapped = (await this.countNewReader(newReader.networkKey, newReader.expireAtMs)) > newReader.bound;
      }
      reply = await this.redis.gatehouseView(
        keys.length,
        ...keys,
        String(query.settingsVersion),
        query.mode,
        query.articleId ?? '',
        clusterCapped ? 0 : (query.limit ?? 0),
        window ? seconds(window.startMs) : 0,
        seconds(query.nowMs),
        window ? seconds(window.expireAtMs) : 0,
        this.cluster ? '0' : '1',
        counting && !this.cluster ? newReader.bound : 0,
        counting ? seconds(newReader.expireAtMs) : 0,
      );
    } catch (error) {
      throw new MeterStoreUnavailable(error);
    }
    if (reply[0] === 'stale') return { kind: 'stale-settings' };
    if (reply[0] === 'miss') return { kind: 'entitlement-unknown' };
    const entitlement: Entitlement = reply[1] === 'subscriber' ? 'subscriber' : 'none';
    const capped = newReader === undefined ? undefined : clusterCapped || reply[2] === 1;
    if (reply.length < 4) return { kind: 'ok', entitlement, meter: undefined, capped };
    const oldest = reply[6] === '' || reply[6] === undefined ? undefined : Number(reply[6]) * 1000;
    return {
      kind: 'ok',
      entitlement,
      meter: { granted: reply[3] === 1, used: Number(reply[4]), alreadyCounted: reply[5] === 1, oldestReadAtMs: oldest },
      capped,
    };
  }

  async carryOver(fromReaderKey: string, toReaderKey: string, window: MeterWindow): Promise<void> {
    const [from, to] = [this.meterKey(fromReaderKey), this.meterKey(toReaderKey)];
    try {
      if (!this.cluster) {
        await this.redis.gatehouseCarryOver(from, to, seconds(window.startMs), seconds(window.expireAtMs));
        return;
      }
      // Two readers, two slots: read one, then add to the other in its own slot. ZADD LT
      // keeps the earlier first read, so running it again (or after a failure) changes nothing.
      const reads = await this.redis.zrangebyscore(from, seconds(window.startMs), '+inf', 'WITHSCORES');
      if (reads.length === 0) return;
      const scoreMembers = [];
      for (let i = 0; i < reads.length; i += 2) scoreMembers.push(reads[i + 1]!, reads[i]!);
      const replies = await this.redis.multi().zadd(to, 'LT', ...scoreMembers).expireat(to, seconds(window.expireAtMs)).exec();
      const failed = (replies ?? [[new Error('the transaction was discarded')]]).find(([error]) => error);
      if (failed) throw failed[0];
    } catch (error) {
      throw new MeterStoreUnavailable(error);
    }
  }

  async newReaders(networkKey: string, mode: 'count' | 'peek', expireAtMs: number): Promise<number> {
    try {
      if (mode === 'peek') return Number((await this.redis.get(this.newReadersKey(networkKey))) ?? 0);
      return await this.countNewReader(networkKey, expireAtMs);
    } catch (error) {
      throw new MeterStoreUnavailable(error);
    }
  }

  private newReadersKey(networkKey: string): string {
    return this.key('nr', networkKey);
  }

  /** Adds a new reader to the network's count and answers the count with it. */
  private async countNewReader(networkKey: string, expireAtMs: number): Promise<number> {
    const key = this.newReadersKey(networkKey);
    const replies = await this.redis.multi().incr(key).expireat(key, seconds(expireAtMs)).exec();
    const [error, count] = replies?.[0] ?? [new Error('the transaction was discarded'), 0];
    if (error) throw error;
    return Number(count);
  }

  async prune(): Promise<void> {
    // Every key carries its own expiry.
  }

  async publishSettingsVersion(version: number): Promise<void> {
    try {
      // Set exactly, not only forward: whatever the database holds is the truth, and an
      // instance that reads it announces it, so any mismatch heals on the next reload.
      await this.redis.set(this.key('settings', 'version'), String(version));
    } catch (error) {
      throw new MeterStoreUnavailable(error);
    }
  }

  async forgetReader(readerKey: string): Promise<void> {
    try {
      await this.redis.del(this.meterKey(readerKey));
    } catch (error) {
      throw new MeterStoreUnavailable(error);
    }
  }

  async forgetEntitlement(accountId: string): Promise<void> {
    try {
      await this.redis.del(this.entitlementKey(accountId));
    } catch (error) {
      throw new MeterStoreUnavailable(error);
    }
  }

  async cacheEntitlement(accountId: string, entitlement: Entitlement, ttlSeconds?: number): Promise<void> {
    const ttl = Math.max(1, Math.min(ttlSeconds ?? Infinity, this.options.entitlementTtlSeconds ?? 3600));
    try {
      await this.redis.set(this.entitlementKey(accountId), entitlement, 'EX', ttl);
    } catch (error) {
      throw new MeterStoreUnavailable(error);
    }
  }
}
