import type Redis from 'ioredis';
import { funnelReaderOf, funnelRetentionDays, type FunnelBatch, type RecordedStage, type FunnelStore } from '../../src/funnel/funnel';
import { SqlFunnelStore } from '../../src/funnel/funnel-store.sql';
import { RedisFunnelStore } from '../../src/funnel/funnel-store.redis';
import { openRedis } from '../../src/store/redis';
import { openTestDatabase } from '../support/databases';
import { describeWithServices, haveServices, uniqueName } from '../support/services';
import { testRedisUrl } from '../support/env';
import { TestRedisCluster } from '../support/redis-cluster';

interface Subject {
  readonly store: FunnelStore;
  close(): Promise<void>;
}

async function sqlSubject(dialect: 'sqlite' | 'postgres'): Promise<Subject> {
  const database = await openTestDatabase(dialect);
  return { store: new SqlFunnelStore(database.handle.db), close: () => database.close() };
}

async function redisSubject(): Promise<Subject & { redis: Redis; keyPrefix: string }> {
  const redis = openRedis(testRedisUrl, { commandTimeoutMs: 5_000 });
  await redis.connect();
  const keyPrefix = `${uniqueName('ghtest')}:`;
  return {
    store: new RedisFunnelStore(redis, { keyPrefix }),
    redis,
    keyPrefix,
    async close() {
      const keys = await redis.keys(`${keyPrefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    },
  };
}

async function clusterSubject(): Promise<Subject> {
  const cluster = await TestRedisCluster.start();
  const redis = await cluster.client();
  return {
    store: new RedisFunnelStore(redis, { keyPrefix: 'ghtest:' }),
    async close() {
      redis.disconnect();
      await cluster.stop();
    },
  };
}

function batch(...entries: Array<[day: string, stage: RecordedStage, readers: string[]]>): FunnelBatch {
  return new Map(entries.map(([day, stage, readers], i) => [`${i}`, { day, stage, readers: new Set(readers.map(funnelReaderOf)) }]));
}

const year = new Date().getUTCFullYear() + 1;
const day = (d: number) => `${year}-03-${String(d).padStart(2, '0')}`;

function contract(make: () => Promise<Subject>) {
  let subject: Subject;
  beforeAll(async () => {
    subject = await make();
  });
  afterAll(() => subject.close());

  it('when readers are added on several days, then each day counts them once and the range counts distinct readers', async () => {
    await subject.store.add(batch([day(1), 'metered', ['a:1', 'a:2']], [day(1), 'signup', ['u:1']], [day(2), 'metered', ['a:2', 'a:3']]));
    // The same readers again, as another instance would send them: nothing changes.
    await subject.store.add(batch([day(1), 'metered', ['a:1']], [day(2), 'metered', ['a:3']]));
    const counts = await subject.store.counts(day(1), day(3));
    expect(counts.totals).toEqual({ metered: 3, gift: 0, 'registration-wall': 0, signup: 1, paywall: 0, checkout: 0, subscribed: 0 });
    expect(counts.days).toEqual([
      { day: day(1), metered: 2, gift: 0, 'registration-wall': 0, signup: 1, paywall: 0, checkout: 0, subscribed: 0 },
      { day: day(2), metered: 2, gift: 0, 'registration-wall': 0, signup: 0, paywall: 0, checkout: 0, subscribed: 0 },
      { day: day(3), metered: 0, gift: 0, 'registration-wall': 0, signup: 0, paywall: 0, checkout: 0, subscribed: 0 },
    ]);
  });

  it('when readers get in different ways, then each way counts its distinct readers over the range, apart from the stages', async () => {
    await subject.store.add(batch([day(20), 'signup-by:provider', ['u:20', 'u:21']], [day(21), 'signup-by:provider', ['u:21']], [day(21), 'signin-by:passkey', ['u:20']], [day(21), 'signup', ['u:22']]));
    const counts = await subject.store.counts(day(20), day(21));
    expect(counts.ways).toMatchObject({ 'signup-by:provider': 2, 'signin-by:passkey': 1, 'signup-by:password': 0, 'signin-by:email-link': 0 });
    expect(counts.totals.signup).toBe(1);
  });

  it('when the range leaves out a day, then that day counts nowhere', async () => {
    await subject.store.add(batch([day(10), 'paywall', ['u:9']], [day(11), 'paywall', ['u:8']]));
    const counts = await subject.store.counts(day(11), day(11));
    expect(counts.totals.paywall).toBe(1);
    expect(counts.days).toHaveLength(1);
  });

  it('when thousands of readers come in batches, then the count is theirs (exact in SQL, within 2% in Redis)', async () => {
    const readers = Array.from({ length: 5_000 }, (_, i) => `a:bulk${i}`);
    for (let i = 0; i < readers.length; i += 1_200) await subject.store.add(batch([day(20), 'registration-wall', readers.slice(i, i + 1_200)]));
    const { totals } = await subject.store.counts(day(20), day(20));
    if (subject.store.approximate) expect(Math.abs(totals['registration-wall'] - 5_000)).toBeLessThanOrEqual(100);
    else expect(totals['registration-wall']).toBe(5_000);
  });
}

describe('funnel store contract: SQL on SQLite', () => contract(() => sqlSubject('sqlite')));
describeWithServices('funnel store contract: SQL on PostgreSQL', () => contract(() => sqlSubject('postgres')));
describeWithServices('funnel store contract: Redis', () => contract(redisSubject));
describeWithServices('funnel store contract: Redis Cluster (3 masters)', () => contract(clusterSubject));

describe('SQL funnel store specifics', () => {
  it('when pruned, then days before the cut are gone and later ones kept; readers are stored only as hashes', async () => {
    const database = await openTestDatabase('sqlite');
    const store = new SqlFunnelStore(database.handle.db);
    await store.add(batch([day(1), 'checkout', ['u:account-1']], [day(2), 'checkout', ['u:account-2']]));
    await store.prune(day(2));
    expect((await store.counts(day(1), day(2))).days.map((d) => d.checkout)).toEqual([0, 1]);
    const rows = await database.handle.db.selectFrom('funnel_readers').selectAll().execute();
    expect(rows).toEqual([{ day: day(2), stage: 'checkout', reader: funnelReaderOf('u:account-2') }]);
    expect(JSON.stringify(rows)).not.toContain('account-2');
    await database.close();
  });
});

describeWithServices('Redis funnel store specifics', () => {
  it('when readers are added, then each key expires after the retention period', async () => {
    const subject = await redisSubject();
    await subject.store.add(batch([day(5), 'subscribed', ['u:1']]));
    const keys = await subject.redis.keys(`${subject.keyPrefix}*`);
    expect(keys).toEqual([`${subject.keyPrefix}{funnel}:${day(5)}:subscribed`]);
    const ttl = await subject.redis.ttl(keys[0]!);
    expect(ttl).toBeGreaterThan(funnelRetentionDays * 86_400 - 60);
    expect(ttl).toBeLessThanOrEqual(funnelRetentionDays * 86_400);
    await subject.close();
  });
});

if (!haveServices) it.skip('PostgreSQL and Redis funnel stores need those services', () => undefined);
