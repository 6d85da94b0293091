import session from 'express-session';
import { RedisStore } from 'connect-redis';
import type Redis from 'ioredis';
import type { RedisClient } from './redis';
import { accountIdOf } from './session-store.sql';

type Callback<T = void> = (error?: unknown, value?: T) => void;

/**
 * connect-redis, plus a set of session ids per account so that every session of an account
 * can be ended (after a password reset or change). The index is written only when a
 * session is saved, never on a page view; ids left in it after a session ends are harmless.
 *
 * Every command touches one key, so the store works on a Redis Cluster. connect-redis's
 * `all`, `ids`, `length` and `clear` would scan one node of a cluster only: this store does
 * not offer them (express-session never calls them).
 */
export class IndexedRedisSessionStore extends session.Store {
  private readonly inner: RedisStore;

  constructor(
    private readonly redis: RedisClient,
    private readonly options: { prefix: string; ttlSeconds: number },
  ) {
    super();
    // connect-redis takes a Cluster as well; its typings name only the single client.
    this.inner = new RedisStore({ client: redis as Redis, prefix: `${options.prefix}sess:`, ttl: options.ttlSeconds, disableTouch: true });
  }

  private indexKey(accountId: string): string {
    return `${this.options.prefix}account-sessions:${accountId}`;
  }

  override get(sid: string, callback: Callback<session.SessionData | null>): void {
    this.inner.get(sid, callback);
  }

  override set(sid: string, data: session.SessionData, callback?: Callback): void {
    const accountId = accountIdOf(data);
    this.inner
      .set(sid, data)
      .then(async () => {
        if (accountId === undefined) return;
        await this.redis.multi().sadd(this.indexKey(accountId), sid).expire(this.indexKey(accountId), this.options.ttlSeconds).exec();
      })
      .then(() => callback?.(), (error: unknown) => callback?.(error));
  }

  override destroy(sid: string, callback?: Callback): void {
    this.inner.destroy(sid, callback);
  }

  /** Ends every session of the account but `exceptSid`. */
  async destroyAllOf(accountId: string, exceptSid?: string): Promise<void> {
    const sids = (await this.redis.smembers(this.indexKey(accountId))).filter((sid) => sid !== exceptSid);
    // One DEL per session: on a Cluster the sessions lie in different slots.
    await Promise.all(sids.map((sid) => this.redis.del(`${this.options.prefix}sess:${sid}`)));
    await this.redis.del(this.indexKey(accountId));
    if (exceptSid !== undefined) await this.redis.sadd(this.indexKey(accountId), exceptSid);
  }
}

/** Stores that can end all of an account's sessions. */
export interface AccountSessions {
  destroyAllOf(accountId: string, exceptSid?: string): Promise<void>;
}
