import type Redis from 'ioredis';
import pino from 'pino';
import { openRedis } from '../../store/redis';
import { dialects, openTestDatabase, type TestDatabase } from '../../../test/support/databases';
import { testRedisUrl } from '../../../test/support/env';
import { describeWithServices, uniqueName } from '../../../test/support/services';
import { OriginCache } from './origin-cache';
import { parsePurgeRequest, RedisPurgeBus, SqlPurgeBus, type PurgeRequest } from './purge-bus';

const logger = pino({ level: 'silent' });

async function until(condition: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('condition never held');
}

describe('parsePurgeRequest', () => {
  it('when the message is a purge, then it is read back', () => {
    expect(parsePurgeRequest('{"all":true}')).toEqual({ all: true });
    expect(parsePurgeRequest('{"paths":["/a/","/b/"]}')).toEqual({ paths: ['/a/', '/b/'] });
  });

  it.each(['', 'nonsense', 'null', '[]', '{"all":"yes"}', '{"paths":"/a/"}', '{"paths":[1]}', '{}'])('when the message is %p, then it is refused', (text) => {
    expect(parsePurgeRequest(text)).toBeUndefined();
  });
});

describe.each(dialects)('SqlPurgeBus on %s', (dialect) => {
  let database: TestDatabase;
  let now: number;
  const buses: SqlPurgeBus[] = [];

  function bus(): { bus: SqlPurgeBus; heard: PurgeRequest[] } {
    const heard: PurgeRequest[] = [];
    const created = new SqlPurgeBus(database.handle.db, { pollMs: 60_000, clock: () => now, logger });
    created.subscribe((request) => heard.push(request));
    buses.push(created);
    return { bus: created, heard };
  }

  beforeEach(async () => {
    database = await openTestDatabase(dialect);
    now = Date.UTC(2026, 3, 1, 12, 0, 0);
  });

  afterEach(async () => {
    await Promise.all(buses.splice(0).map((b) => b.close()));
    await database.close();
  });

  it('when one instance publishes, then the other hears it on its next poll, once', async () => {
    const [a, b] = [bus(), bus()];
    await a.bus.publish({ paths: ['/a/', '/b/'] });
    await b.bus.poll();
    expect(b.heard).toEqual([{ paths: ['/a/', '/b/'] }]);
    now += 1_000;
    await a.bus.publish({ all: true });
    await b.bus.poll();
    await b.bus.poll();
    expect(b.heard).toEqual([{ paths: ['/a/', '/b/'] }, { all: true }]);
    await a.bus.poll();
    expect(a.heard).toEqual([{ paths: ['/a/', '/b/'] }, { all: true }]);
  });

  it('when polls overlap, then a purge is heard once', async () => {
    const { bus: b, heard } = bus();
    await bus().bus.publish({ all: true });
    await Promise.all([b.poll(), b.poll(), b.poll()]);
    expect(heard).toEqual([{ all: true }]);
  });

  it('when a day has passed, then publishing prunes the old purges', async () => {
    const a = bus();
    await a.bus.publish({ paths: ['/old/'] });
    now += 86_400_001;
    await a.bus.publish({ paths: ['/new/'] });
    const rows = await database.handle.db.selectFrom('origin_purges').select('request').execute();
    expect(rows.map((r) => r.request)).toEqual(['{"paths":["/new/"]}']);
  });

  it('when a purge is older than the poll window, then a new instance does not replay it', async () => {
    await bus().bus.publish({ paths: ['/a/'] });
    now += 10 * 60_000;
    const late = bus();
    await late.bus.poll();
    expect(late.heard).toEqual([]);
  });

  it('when a row is not a purge, then it is skipped and the rest still heard', async () => {
    const b = bus();
    await database.handle.db.insertInto('origin_purges').values({ request: 'garbage', created_at: now }).execute();
    await bus().bus.publish({ paths: ['/a/'] });
    await b.bus.poll();
    expect(b.heard).toEqual([{ paths: ['/a/'] }]);
  });

  it('when two caches without Redis share the database, then a purge on one drops the copy of the other on its next poll', async () => {
    const caches = [bus(), bus()].map(({ bus: b }) => new OriginCache({ maxBytes: 1_000_000, keyPrefix: '', clock: () => now, logger, bus: b }));
    const [a, b] = caches as [OriginCache, OriginCache];
    let fetches = 0;
    const fetch = async () => ({ status: 200, headers: {}, body: Buffer.from(`v${++fetches}`) });
    await b.get('/a/?x=1', fetch);
    expect((await b.get('/a/?x=1', fetch)).state).toBe('hit');
    await a.purge({ paths: ['/a/'] });
    expect((await b.get('/a/?x=1', fetch)).state).toBe('hit');
    await buses[1]!.poll();
    expect((await b.get('/a/?x=1', fetch)).state).toBe('miss');
    expect(fetches).toBe(2);
  });

  it('when it polls on its own timer, then purges arrive without anyone calling poll', async () => {
    const heard: PurgeRequest[] = [];
    const timed = new SqlPurgeBus(database.handle.db, { pollMs: 5, clock: () => now, logger });
    buses.push(timed);
    timed.subscribe((request) => heard.push(request));
    await bus().bus.publish({ all: true });
    await until(() => heard.length === 1);
  });
});

describeWithServices('RedisPurgeBus', () => {
  let redis: Redis;
  let channel: string;

  beforeEach(async () => {
    redis = openRedis(testRedisUrl, { commandTimeoutMs: 5_000 });
    await redis.connect();
    channel = `${uniqueName('ghtest')}:purges`;
  });

  afterEach(() => redis.disconnect());

  it('when one bus publishes, then every bus on the channel hears it, and a malformed message is ignored', async () => {
    const [a, b] = [new RedisPurgeBus(redis, channel, logger), new RedisPurgeBus(redis, channel, logger)];
    try {
      const heard: PurgeRequest[] = [];
      b.subscribe((request) => heard.push(request));
      await until(async () => ((await redis.pubsub('NUMSUB', channel)) as [string, number])[1] === 2);
      await redis.publish(channel, 'garbage');
      await a.publish({ paths: ['/a/'] });
      await a.publish({ all: true });
      await until(() => heard.length === 2);
      expect(heard).toEqual([{ paths: ['/a/'] }, { all: true }]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
