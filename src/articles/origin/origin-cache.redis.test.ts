import type Redis from 'ioredis';
import pino from 'pino';
import { openRedis } from '../../store/redis';
import { testRedisUrl } from '../../../test/support/env';
import { describeWithServices, uniqueName } from '../../../test/support/services';
import type { OriginResponse } from './cache-control';
import { OriginCache, type CacheResult } from './origin-cache';
import { RedisPurgeBus, type PurgeBus } from './purge-bus';

const logger = pino({ level: 'silent' });
const start = Date.UTC(2026, 3, 1, 12, 0, 0);

function page(text: string, seconds = 60): OriginResponse {
  return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': `max-age=${seconds}`, link: ['<a>; rel=x', '<b>; rel=y'] }, body: Buffer.from(text) };
}

/** A fetch that answers `text` and counts how often the origin was asked. */
function origin(text: string) {
  const calls = { count: 0 };
  const fetch = async () => {
    calls.count += 1;
    return page(text);
  };
  return { fetch, calls };
}

const never = async (): Promise<OriginResponse> => {
  throw new Error('the origin must not be asked');
};

async function until(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('condition never held');
}

describeWithServices('OriginCache over a shared Redis', () => {
  let redis: Redis;
  let prefix: string;
  let channel: string;
  let now: number;
  const opened: OriginCache[] = [];

  function instance(options: { redis?: Redis; bus?: PurgeBus } = {}): OriginCache {
    const client = options.redis ?? redis;
    const bus = options.bus ?? new RedisPurgeBus(client, channel, logger);
    const cache = new OriginCache({ maxBytes: 1_000_000, redis: client, keyPrefix: prefix, clock: () => now, logger, bus });
    opened.push(cache);
    return cache;
  }

  /** Both instances hear the channel before anything is purged. */
  async function subscribed(count: number): Promise<void> {
    await until(async () => ((await redis.pubsub('NUMSUB', channel)) as [string, number])[1] >= count);
  }

  beforeEach(async () => {
    redis = openRedis(testRedisUrl, { commandTimeoutMs: 5_000 });
    await redis.connect();
    prefix = `${uniqueName('ghtest')}:`;
    channel = `${prefix}purges`;
    now = start;
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((cache) => cache.close()));
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('when a page is asked for with a query string, then it stays in the memory of the instance that fetched it: anyone can make up queries, and Redis holds meters and sessions too', async () => {
    const [a, b] = [instance(), instance()];
    await a.get('/a/?utm=x', origin('variant').fetch);
    expect((await a.get('/a/?utm=x', never)).state).toBe('hit');
    const other = origin('variant, fetched again');
    expect((await b.get('/a/?utm=x', other.fetch)).state).toBe('miss');
    expect(await redis.keys(`${prefix}*utm*`)).toEqual([]);
  });

  it('when one instance fills a key, then another reads it from Redis without asking the origin, body and headers intact', async () => {
    const [a, b] = [instance(), instance()];
    const body = Buffer.from([0, 10, 13, 255, 0x0a, 0x7b]);
    const filled = await a.get('/a/', async () => ({ ...page(''), body }));
    expect(filled.state).toBe('miss');
    const read = await b.get('/a/', never);
    expect(read.state).toBe('hit');
    expect(read.entry.response).toEqual(filled.entry.response);
    expect(read.entry.response.body.equals(body)).toBe(true);
    expect(read.entry).toMatchObject({ storedAt: start, freshUntil: start + 60_000, staleUntil: filled.entry.staleUntil });
    const ttl = await redis.pttl(`${prefix}origin:0:{/a/}:page`);
    expect(ttl).toBeGreaterThan(86_400_000);
    expect(ttl).toBeLessThanOrEqual(86_460_000);
  });

  it('when the copy in Redis is stale, then a new instance answers it at once and refreshes it', async () => {
    await instance().get('/a/', origin('old').fetch);
    now += 61_000;
    const fresh = origin('new');
    const b = instance();
    const stale = await b.get('/a/', fresh.fetch);
    expect(stale.state).toBe('stale');
    expect(stale.entry.response.body.toString()).toBe('old');
    await until(async () => (await b.get('/a/', fresh.fetch)).state === 'hit');
    expect(fresh.calls.count).toBe(1);
    expect((await instance().get('/a/', never)).entry.response.body.toString()).toBe('new');
  });

  it('when a path is purged on one instance, then every query variant goes on both and in Redis', async () => {
    const [a, b] = [instance(), instance()];
    await subscribed(2);
    await a.get('/a/', origin('a').fetch);
    await a.get('/a/?page=2', origin('a2').fetch);
    await a.get('/b/', origin('b').fetch);
    await b.get('/a/', never);
    await b.purge({ paths: ['/a/'] });
    const again = origin('a, after');
    await until(async () => (await a.get('/a/', again.fetch)).state === 'miss');
    expect(again.calls.count).toBe(1);
    const variant = origin('a2, after');
    expect((await instance().get('/a/?page=2', variant.fetch)).state).toBe('miss');
    expect((await instance().get('/b/', never)).state).toBe('hit');
    expect((await b.get('/a/', never)).entry.response.body.toString()).toBe('a, after');
  });

  it('when everything is purged, then the generation moves on, so no instance finds an old key', async () => {
    const [a, b] = [instance(), instance()];
    await subscribed(2);
    await a.get('/x/', origin('x').fetch);
    await a.get('/y/?q=1', origin('y').fetch);
    expect((await b.get('/x/', never)).state).toBe('hit');
    await a.purge({ all: true });
    expect(await redis.get(`${prefix}origin:generation`)).toBe('1');
    const again = origin('x, after');
    await until(async () => (await b.get('/x/', again.fetch)).state === 'miss');
    expect((await instance().get('/y/?q=1', origin('y, after').fetch)).state).toBe('miss');
    expect((await a.get('/x/', never)).entry.response.body.toString()).toBe('x, after');
  });

  it('when an uncacheable answer replaces a copy, then the copy in Redis goes too', async () => {
    const a = instance();
    await a.get('/a/', origin('a').fetch);
    now += 61_000;
    const refreshed = await instance().get('/a/', async () => ({ ...page('mine'), headers: { 'cache-control': 'private' } }));
    expect(refreshed.state).toBe('stale');
    await until(async () => (await redis.exists(`${prefix}origin:0:{/a/}:page`)) === 0);
  });

  it('when Redis is unreachable, then views go to the origin and never fail', async () => {
    const down = openRedis('redis://127.0.0.1:1', { connectTimeoutMs: 200 });
    try {
      const cache = instance({ redis: down, bus: { publish: async () => undefined, subscribe: () => undefined, close: async () => undefined } });
      const fetched = origin('a');
      const first: CacheResult = await cache.get('/a/', fetched.fetch);
      expect(first.state).toBe('miss');
      expect((await cache.get('/a/', never)).state).toBe('hit');
      await expect(cache.purge({ paths: ['/a/'] })).rejects.toThrow();
      expect((await cache.get('/a/', fetched.fetch)).state).toBe('miss');
    } finally {
      down.disconnect();
    }
  });
});
