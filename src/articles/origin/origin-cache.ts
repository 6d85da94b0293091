import type { Logger } from 'pino';
import type { Clock } from '../../config/clock';
import type { RedisClient } from '../../store/redis';
import { cacheLifetime, type OriginResponse } from './cache-control';
import { RedisOriginStore, type StoredEntry } from './origin-cache.redis';
import type { PurgeBus, PurgeRequest } from './purge-bus';

export type { OriginResponse } from './cache-control';

export interface CacheEntry extends StoredEntry {
  /** Per-instance memo (e.g. the parsed page), dropped with the entry. */
  readonly derived: Map<string, unknown>;
}

export type CacheState = 'hit' | 'stale' | 'miss' | 'uncacheable' | 'stale-on-error';

export interface CacheResult {
  readonly entry: CacheEntry;
  readonly state: CacheState;
}

export interface OriginCacheOptions {
  /** ORIGIN_CACHE_MB in bytes: bodies, headers and keys held in memory. */
  readonly maxBytes: number;
  readonly redis?: RedisClient;
  readonly keyPrefix: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Carries purges to the other instances; the cache is its listener and closes it. */
  readonly bus: PurgeBus;
}

/**
 * Origin responses kept per request path with query, in memory (an LRU bounded by bytes) and
 * in Redis when there is one (shared by the instances). A stale copy is answered at once while
 * one refresh per key and instance runs behind it, and stands in while the origin fails;
 * concurrent misses of a key share one fetch.
 */
export class OriginCache {
  private readonly memory: ByteLru;
  private readonly store: RedisOriginStore | undefined;
  private readonly inflight = new Map<string, Promise<CacheResult>>();
  /** Keys whose last refresh failed: their stale copy is answered as 'stale-on-error'. */
  private readonly failing = new Set<string>();
  /** Counts purges heard, so a fetch that a purge overtook is answered but not kept. */
  private purges = 0;

  constructor(private readonly options: OriginCacheOptions) {
    this.memory = new ByteLru(options.maxBytes);
    this.store = options.redis === undefined ? undefined : new RedisOriginStore(options.redis, options.keyPrefix, options.logger);
    options.bus.subscribe((request) => this.heard(request));
  }

  /** key: the origin request path with query (e.g. '/2025/04/slug/?utm=x'); its purge path is the path without query. */
  async get(key: string, fetch: () => Promise<OriginResponse>): Promise<CacheResult> {
    const now = this.options.clock();
    const held = this.memory.get(key);
    if (held !== undefined && now < held.freshUntil) return { entry: held, state: 'hit' };
    if (held !== undefined && now < held.staleUntil) {
      this.refresh(key, fetch, held);
      return { entry: held, state: this.failing.has(key) ? 'stale-on-error' : 'stale' };
    }
    if (held !== undefined) this.memory.delete(key);
    const result = await this.fill(key, fetch, undefined);
    if (result.state === 'stale') this.refresh(key, fetch, result.entry);
    return result;
  }

  /** Drops the entries here at once, in Redis, and through the bus on every other instance. */
  async purge(request: PurgeRequest): Promise<void> {
    this.drop(request);
    const results = await Promise.allSettled([this.store?.purge(request), this.options.bus.publish(request)]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  }

  /** Waits for the fetches under way, then closes the bus (Redis belongs to the caller). */
  async close(): Promise<void> {
    await Promise.allSettled([...this.inflight.values()]);
    await this.options.bus.close();
  }

  private heard(request: PurgeRequest): void {
    this.drop(request);
    if ('all' in request) this.store?.forgetGeneration();
  }

  private drop(request: PurgeRequest): void {
    this.purges += 1;
    if ('all' in request) {
      this.memory.clear();
      this.failing.clear();
      return;
    }
    const paths = new Set(request.paths.map(pathOf));
    const purged = (key: string) => paths.has(pathOf(key));
    this.memory.deleteWhere(purged);
    for (const key of this.failing) if (purged(key)) this.failing.delete(key);
  }

  /** At most one refresh per key: a read while one (or a miss's fetch) runs starts none. */
  private refresh(key: string, fetch: () => Promise<OriginResponse>, stale: CacheEntry): void {
    if (this.inflight.has(key)) return;
    this.fill(key, fetch, stale).catch((error: unknown) => this.options.logger.warn({ err: error, key }, 'origin cache: refresh failed'));
  }

  private fill(key: string, fetch: () => Promise<OriginResponse>, stale: CacheEntry | undefined): Promise<CacheResult> {
    let pending = this.inflight.get(key);
    if (pending === undefined) {
      pending = this.load(key, fetch, stale).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }

  /** Redis first (another instance may have fetched it), then the origin. */
  private async load(key: string, fetch: () => Promise<OriginResponse>, stale: CacheEntry | undefined): Promise<CacheResult> {
    const purgesAtStart = this.purges;
    const stored = await this.store?.read(key, this.options.clock());
    const shared = stored?.entry === undefined ? undefined : { ...stored.entry, derived: new Map<string, unknown>() };
    const now = this.options.clock();
    if (shared !== undefined && (now < shared.freshUntil || stale === undefined)) {
      this.keep(key, shared, purgesAtStart);
      return { entry: shared, state: now < shared.freshUntil ? 'hit' : 'stale' };
    }
    let response: OriginResponse;
    try {
      response = await fetch();
    } catch (error) {
      const fallback = stale ?? shared;
      if (fallback === undefined || this.options.clock() >= fallback.staleUntil) throw error;
      this.failing.add(key);
      this.options.logger.warn({ err: error, key }, 'origin cache: origin failed; serving the stale copy');
      return { entry: fallback, state: 'stale-on-error' };
    }
    return this.stored(key, response, stored?.purges ?? 0, purgesAtStart);
  }

  private async stored(key: string, response: OriginResponse, redisPurges: number, purgesAtStart: number): Promise<CacheResult> {
    const storedAt = this.options.clock();
    const lifetime = cacheLifetime(response.headers, response.status, storedAt);
    if (!lifetime.cacheable) {
      this.memory.delete(key);
      this.failing.delete(key);
      await this.store?.remove(key);
      return { entry: { response, storedAt, freshUntil: storedAt, staleUntil: storedAt, derived: new Map() }, state: 'uncacheable' };
    }
    const entry: CacheEntry = { response, storedAt, freshUntil: lifetime.freshUntil, staleUntil: lifetime.staleUntil, derived: new Map() };
    // Redis is shared and holds meters and sessions too: only a page at its own address goes
    // there. Anyone can make up query strings and missing paths; those stay in the bounded memory.
    const shareable = response.status === 200 && !key.includes('?');
    if (this.keep(key, entry, purgesAtStart) && shareable) await this.store?.write(key, entry, redisPurges, storedAt);
    return { entry, state: 'miss' };
  }

  /** Keeps an entry unless a purge came while it was being fetched (it may predate the purge). */
  private keep(key: string, entry: CacheEntry, purgesAtStart: number): boolean {
    if (this.purges !== purgesAtStart) return false;
    this.memory.set(key, entry, sizeOf(key, entry.response));
    this.failing.delete(key);
    return true;
  }
}

function pathOf(key: string): string {
  const query = key.indexOf('?');
  return query === -1 ? key : key.slice(0, query);
}

/**
 * What an entry holds in memory: a page's parse and its memoised renders stay with it (the
 * `derived` memo), about nine times its body (measured by the bench's cache fill), so a
 * page is counted at ten times its body and ORIGIN_CACHE_MB bounds the heap, not the bytes.
 */
const parsedPageWeight = 10;

function sizeOf(key: string, response: OriginResponse): number {
  const type = String(response.headers['content-type'] ?? '').toLowerCase();
  const parsed = type.includes('html') || type.includes('xml') || type.includes('json');
  let bytes = key.length + response.body.length * (parsed ? parsedPageWeight : 1);
  for (const [name, value] of Object.entries(response.headers)) {
    bytes += name.length;
    for (const line of typeof value === 'string' ? [value] : value) bytes += line.length;
  }
  return bytes;
}

/** Least recently used first out, by bytes; an entry over a quarter of the budget is never held. */
class ByteLru {
  private readonly entries = new Map<string, { readonly entry: CacheEntry; readonly bytes: number }>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get(key: string): CacheEntry | undefined {
    const slot = this.entries.get(key);
    if (slot === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, slot);
    return slot.entry;
  }

  set(key: string, entry: CacheEntry, bytes: number): void {
    this.delete(key);
    if (bytes > this.maxBytes / 4) return;
    this.entries.set(key, { entry, bytes });
    this.bytes += bytes;
    for (const [oldest] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.delete(oldest);
    }
  }

  delete(key: string): void {
    const slot = this.entries.get(key);
    if (slot === undefined) return;
    this.entries.delete(key);
    this.bytes -= slot.bytes;
  }

  deleteWhere(test: (key: string) => boolean): void {
    for (const key of this.entries.keys()) if (test(key)) this.delete(key);
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }
}
