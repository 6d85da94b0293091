import type { Logger } from 'pino';
import type { RedisClient } from '../../store/redis';
import type { OriginResponse } from './cache-control';
import type { PurgeRequest } from './purge-bus';

/** An entry as kept in Redis: the response and its lifetimes, without the per-instance memo. */
export interface StoredEntry {
  readonly response: OriginResponse;
  readonly storedAt: number;
  readonly freshUntil: number;
  readonly staleUntil: number;
}

/** What a read found: the entry still valid after purges, if any, and the path's purge count to store a fill under. */
export interface StoredRead {
  readonly entry: StoredEntry | undefined;
  readonly purges: number;
}

/**
 * No key lives longer than this, so a path's purge counter, kept as long, outlives every entry
 * stored under any of its values and a counter that expired and restarts from 0 never revives
 * an entry purged before. A copy fresh for longer is simply fetched again.
 */
const MAX_TTL_MS = 8 * 86_400_000;

/**
 * The shared tier of the origin cache. Works on a Redis Cluster: every command names one key,
 * or keys of one slot — a path's entries and its purge counter share the hash tag `{path}`.
 * Purging a path increments its counter (an entry is valid only under the count it was stored
 * with), so every query variant goes at once without SCAN; purging everything increments the
 * generation that is part of every key name, and the old keys expire on their own.
 *
 * Errors on the view path (read, write, remove) are logged and answered as "nothing there";
 * purges throw, so whoever asked for one knows it did not happen.
 */
export class RedisOriginStore {
  private generation: Promise<number> | undefined;

  constructor(
    private readonly redis: RedisClient,
    private readonly keyPrefix: string,
    private readonly logger: Logger,
  ) {}

  /** undefined when Redis could not answer. */
  async read(key: string, nowMs: number): Promise<StoredRead | undefined> {
    try {
      const names = await this.keysOf(key);
      const [counter, raw] = await this.redis.mgetBuffer(names.purges, names.entry);
      const purges = counter == null ? 0 : Number(counter.toString());
      const stored = raw == null ? undefined : decode(raw);
      const valid = stored !== undefined && stored.purges === purges && nowMs < stored.entry.staleUntil;
      return { entry: valid ? stored.entry : undefined, purges };
    } catch (error) {
      this.warn(error, 'read');
      return undefined;
    }
  }

  async write(key: string, entry: StoredEntry, purges: number, nowMs: number): Promise<void> {
    const ttl = Math.min(entry.staleUntil - nowMs, MAX_TTL_MS);
    if (ttl <= 0) return;
    try {
      const names = await this.keysOf(key);
      const pipeline = this.redis.pipeline().set(names.entry, encode(entry, purges), 'PX', ttl);
      if (purges > 0) pipeline.pexpire(names.purges, MAX_TTL_MS);
      await execOrThrow(pipeline);
    } catch (error) {
      this.warn(error, 'write');
    }
  }

  async remove(key: string): Promise<void> {
    try {
      await this.redis.del((await this.keysOf(key)).entry);
    } catch (error) {
      this.warn(error, 'remove');
    }
  }

  async purge(request: PurgeRequest): Promise<void> {
    if ('all' in request) {
      const generation = this.redis.incr(this.generationKey());
      this.generation = generation;
      await generation.catch((error: unknown) => {
        this.generation = undefined;
        throw error;
      });
      return;
    }
    await Promise.all(
      request.paths.map(async (path) => {
        const names = await this.keysOf(path);
        await execOrThrow(this.redis.pipeline().incr(names.purges).pexpire(names.purges, MAX_TTL_MS));
      }),
    );
  }

  /** Another instance purged everything: read the generation again before the next key. */
  forgetGeneration(): void {
    this.generation = undefined;
  }

  private async keysOf(key: string): Promise<{ readonly entry: string; readonly purges: string }> {
    const generation = await this.currentGeneration();
    const query = key.indexOf('?');
    const path = query === -1 ? key : key.slice(0, query);
    const base = `${this.keyPrefix}origin:${generation}:{${path}}`;
    return { entry: `${base}:page${query === -1 ? '' : key.slice(query)}`, purges: `${base}:purges` };
  }

  private currentGeneration(): Promise<number> {
    this.generation ??= this.redis.get(this.generationKey()).then(
      (value) => (value === null ? 0 : Number(value)),
      (error: unknown) => {
        this.generation = undefined;
        throw error;
      },
    );
    return this.generation;
  }

  private generationKey(): string {
    return `${this.keyPrefix}origin:generation`;
  }

  private warn(error: unknown, operation: string): void {
    this.logger.warn({ err: error }, `origin cache: Redis ${operation} failed; going on without it`);
  }
}

async function execOrThrow(pipeline: ReturnType<RedisClient['pipeline']>): Promise<void> {
  const results = (await pipeline.exec()) ?? [];
  const failed = results.find(([error]) => error !== null);
  if (failed !== undefined) throw failed[0];
}

/** One line of JSON (JSON never holds a raw newline), a newline, then the body's bytes as they are. */
function encode(entry: StoredEntry, purges: number): Buffer {
  const { status, headers } = entry.response;
  const meta = JSON.stringify({ purges, status, headers, storedAt: entry.storedAt, freshUntil: entry.freshUntil, staleUntil: entry.staleUntil });
  return Buffer.concat([Buffer.from(`${meta}\n`), entry.response.body]);
}

interface Meta {
  readonly purges: number;
  readonly status: number;
  readonly headers: OriginResponse['headers'];
  readonly storedAt: number;
  readonly freshUntil: number;
  readonly staleUntil: number;
}

/** undefined for anything not written by `encode` (an older format, another program's key). */
function decode(raw: Buffer): { entry: StoredEntry; purges: number } | undefined {
  const end = raw.indexOf(0x0a);
  if (end === -1) return undefined;
  let meta: Meta;
  try {
    meta = JSON.parse(raw.subarray(0, end).toString('utf8')) as Meta;
  } catch {
    return undefined;
  }
  const numbers = [meta.purges, meta.status, meta.storedAt, meta.freshUntil, meta.staleUntil];
  if (!numbers.every(Number.isFinite) || typeof meta.headers !== 'object' || meta.headers === null) return undefined;
  const response = { status: meta.status, headers: meta.headers, body: raw.subarray(end + 1) };
  return { entry: { response, storedAt: meta.storedAt, freshUntil: meta.freshUntil, staleUntil: meta.staleUntil }, purges: meta.purges };
}
