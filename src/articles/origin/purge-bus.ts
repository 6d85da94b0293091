import { Cluster } from 'ioredis';
import type { Logger } from 'pino';
import type { Clock } from '../../config/clock';
import type { Db } from '../../store/database';
import type { RedisClient } from '../../store/redis';

/** Paths are request paths without query: a path's purge drops every query variant of it. */
export type PurgeRequest = { readonly paths: readonly string[] } | { readonly all: true };

/** Carries purges to every instance; each instance's listener drops what it holds itself. */
export interface PurgeBus {
  publish(request: PurgeRequest): Promise<void>;
  subscribe(listener: (request: PurgeRequest) => void): void;
  close(): Promise<void>;
}

/** A purge as another instance wrote it; anything else is ignored rather than trusted. */
export function parsePurgeRequest(text: string): PurgeRequest | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { all, paths } = value as { all?: unknown; paths?: unknown };
  if (all === true) return { all: true };
  if (Array.isArray(paths) && paths.every((p): p is string => typeof p === 'string')) return { paths };
  return undefined;
}

/** Listeners of one bus; a throwing listener is logged and the others still hear the purge. */
class Listeners {
  private readonly listeners: Array<(request: PurgeRequest) => void> = [];

  constructor(private readonly logger: Logger) {}

  add(listener: (request: PurgeRequest) => void): void {
    this.listeners.push(listener);
  }

  deliver(text: string): void {
    const request = parsePurgeRequest(text);
    if (request === undefined) return this.logger.warn({ message: text.slice(0, 200) }, 'origin purge: ignored a malformed purge message');
    for (const listener of this.listeners) {
      try {
        listener(request);
      } catch (error) {
        this.logger.warn({ err: error }, 'origin purge: a listener failed');
      }
    }
  }
}

/**
 * Purges over Redis pub/sub. SUBSCRIBE takes a connection of its own, so one is made from
 * `redis` here; it subscribes again on every (re)connection, since a purge sent while it is
 * away is lost anyway and re-subscribing is all that recovery takes.
 */
export class RedisPurgeBus implements PurgeBus {
  private readonly subscriber: RedisClient;
  private readonly listeners: Listeners;

  constructor(
    private readonly redis: RedisClient,
    private readonly channel: string,
    private readonly logger: Logger,
  ) {
    this.listeners = new Listeners(logger);
    this.subscriber = redis instanceof Cluster ? redis.duplicate(undefined, { lazyConnect: false }) : redis.duplicate({ lazyConnect: false, autoResubscribe: false });
    this.subscriber.on('error', () => undefined);
    this.subscriber.on('ready', () => {
      this.subscriber.subscribe(channel).catch((error: unknown) => logger.warn({ err: error }, 'origin purge: could not subscribe to Redis'));
    });
    this.subscriber.on('message', (from: string, text: string) => {
      if (from === channel) this.listeners.deliver(text);
    });
  }

  async publish(request: PurgeRequest): Promise<void> {
    await this.redis.publish(this.channel, JSON.stringify(request));
  }

  subscribe(listener: (request: PurgeRequest) => void): void {
    this.listeners.add(listener);
  }

  async close(): Promise<void> {
    this.subscriber.disconnect();
  }
}

export interface SqlPurgeBusOptions {
  /** How often each instance reads the purges table; default one second. */
  readonly pollMs?: number;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** A purge is read again by every poll for this long, so one committed late, or stamped by a clock behind, is not missed. */
const REREAD_WINDOW_MS = 5 * 60_000;
const KEEP_ROWS_MS = 86_400_000;

/**
 * Purges through the SQL database, for deployments without Redis: each instance reads the
 * purges of the last few minutes once per `pollMs` (never per view) and delivers those it has
 * not seen. Hearing a purge twice is harmless, missing one is not, hence the window rather
 * than "ids above the last one seen" (ids can commit out of order on PostgreSQL).
 */
export class SqlPurgeBus implements PurgeBus {
  private readonly listeners: Listeners;
  private readonly seen = new Map<number, number>();
  private readonly timer: NodeJS.Timeout;
  private polling: Promise<void> | undefined;

  constructor(
    private readonly db: Db,
    private readonly options: SqlPurgeBusOptions,
  ) {
    this.listeners = new Listeners(options.logger);
    this.timer = setInterval(() => void this.poll(), options.pollMs ?? 1_000);
    this.timer.unref();
  }

  async publish(request: PurgeRequest): Promise<void> {
    const now = this.options.clock();
    await this.db.insertInto('origin_purges').values({ request: JSON.stringify(request), created_at: now }).execute();
    // Purges are rare, so pruning here keeps the polls at one query each.
    await this.db.deleteFrom('origin_purges').where('created_at', '<', now - KEEP_ROWS_MS).execute();
  }

  subscribe(listener: (request: PurgeRequest) => void): void {
    this.listeners.add(listener);
  }

  /** Reads and delivers new purges; a poll already running is joined rather than doubled. */
  poll(): Promise<void> {
    this.polling ??= this.readPurges().finally(() => (this.polling = undefined));
    return this.polling;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.polling;
  }

  private async readPurges(): Promise<void> {
    const since = this.options.clock() - REREAD_WINDOW_MS;
    let rows: Array<{ id: number; request: string; created_at: number }>;
    try {
      rows = await this.db.selectFrom('origin_purges').select(['id', 'request', 'created_at']).where('created_at', '>', since).orderBy('id').execute();
    } catch (error) {
      return this.options.logger.warn({ err: error }, 'origin purge: could not read purges');
    }
    for (const [id, createdAt] of this.seen) if (createdAt <= since) this.seen.delete(id);
    for (const row of rows) {
      const id = Number(row.id);
      if (this.seen.has(id)) continue;
      this.seen.set(id, Number(row.created_at));
      this.listeners.deliver(row.request);
    }
  }
}
