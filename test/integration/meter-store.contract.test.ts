import { randomBytes } from 'node:crypto';
import type Redis from 'ioredis';
import type { MeterStore } from '../../src/meter/meter-store';
import { RedisMeterStore } from '../../src/meter/meter-store.redis';
import { SqlMeterStore } from '../../src/meter/meter-store.sql';
import { meterWindow } from '../../src/meter/period';
import { SettingsRepository } from '../../src/meter/settings.repository';
import { EntitlementsRepository } from '../../src/meter/entitlements.repository';
import { defaultMeterSettings } from '../../src/meter/meter-settings';
import { openRedis } from '../../src/store/redis';
import { openTestDatabase } from '../support/databases';
import { describeWithServices, haveServices, uniqueName } from '../support/services';
import { testRedisUrl } from '../support/env';
import { MeterPruner } from '../../src/meter/meter-pruner';
import type { MeterSettings } from '../../src/meter/meter-settings';
import type { Db } from '../../src/store/database';
import pino from 'pino';
import { meterArticleId } from '../../src/meter/article-id';
import { TestRedisCluster } from '../support/redis-cluster';
import { TestPgBouncer } from '../support/pgbouncer';

interface Subject {
  readonly store: MeterStore;
  /** Makes the store believe settings are at `version`, as a publisher's save would. */
  setSettingsVersion(version: number): Promise<void>;
  /** Makes an account a subscriber at the source of truth (and its cache, if any). */
  makeSubscriber(accountId: string): Promise<void>;
  close(): Promise<void>;
  /** The SQL stores' database, to see what pruning left. */
  readonly db?: Db;
}

async function sqlSubject(dialect: 'sqlite' | 'postgres'): Promise<Subject> {
  const database = await openTestDatabase(dialect);
  const entitlements = new EntitlementsRepository(database.handle.db, () => now);
  const settings = new SettingsRepository(database.handle.db, () => now);
  return {
    store: new SqlMeterStore(database.handle.db, dialect, entitlements),
    async setSettingsVersion(version) {
      while (((await settings.get('meter'))?.version ?? 0) < version) await settings.put('meter', defaultMeterSettings);
    },
    makeSubscriber: (accountId) => entitlements.set(accountId, 'subscriber', null),
    close: () => database.close(),
    db: database.handle.db,
  };
}

/** The SQL store through PgBouncer in transaction mode: its locks must live within one transaction. */
async function pgbouncerSubject(): Promise<Subject> {
  const bouncer = await TestPgBouncer.start();
  const database = await bouncer.openDatabase();
  const entitlements = new EntitlementsRepository(database.handle.db, () => now);
  const settings = new SettingsRepository(database.handle.db, () => now);
  return {
    store: new SqlMeterStore(database.handle.db, 'postgres', entitlements),
    async setSettingsVersion(version) {
      while (((await settings.get('meter'))?.version ?? 0) < version) await settings.put('meter', defaultMeterSettings);
    },
    makeSubscriber: (accountId) => entitlements.set(accountId, 'subscriber', null),
    async close() {
      await database.close();
      await bouncer.stop();
    },
    db: database.handle.db,
  };
}

async function redisSubject(): Promise<Subject> {
  const redis: Redis = openRedis(testRedisUrl, { commandTimeoutMs: 5_000 });
  await redis.connect();
  const keyPrefix = `${uniqueName('ghtest')}:`;
  const store = new RedisMeterStore(redis, { keyPrefix });
  return {
    store,
    setSettingsVersion: (version) => store.publishSettingsVersion(version),
    makeSubscriber: (accountId) => store.cacheEntitlement(accountId, 'subscriber'),
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
  const store = new RedisMeterStore(redis, { keyPrefix: 'ghtest:' });
  return {
    store,
    setSettingsVersion: (version) => store.publishSettingsVersion(version),
    makeSubscriber: (accountId) => store.cacheEntitlement(accountId, 'subscriber'),
    async close() {
      redis.disconnect();
      await cluster.stop();
    },
  };
}

const month = { kind: 'calendar-month', timeZone: 'UTC' } as const;
// Injected times lie in next year: Redis expires keys on its own clock, so a time in the
// past would expire them at once, and the suite must not depend on today's date.
const year = new Date().getUTCFullYear() + 1;
const now = Date.UTC(year, 10, 27, 12);
const window = meterWindow(month, now);

function contract(make: () => Promise<Subject>) {
  let subject: Subject;
  let readerCounter = 0;
  const newReader = () => `a:reader${(readerCounter += 1)}`;
  beforeAll(async () => {
    subject = await make();
  });
  afterAll(() => subject.close());

  const count = (readerKey: string, articleId: string, limit = 3, at = now, period: typeof month | { kind: 'rolling'; days: number } = month) =>
    subject.store.view({ settingsVersion: 0, readerKey, mode: 'count', articleId, limit, window: meterWindow(period, at), nowMs: at });

  it('when a reader opens distinct articles, then exactly `limit` are granted and the rest refused', async () => {
    const reader = newReader();
    const answers = [];
    for (const article of ['a1', 'a2', 'a3', 'a4']) answers.push(await count(reader, article));
    expect(answers.map((a) => a.kind === 'ok' && a.meter?.granted)).toEqual([true, true, true, false]);
    expect(answers.map((a) => a.kind === 'ok' && a.meter?.used)).toEqual([1, 2, 3, 3]);
  });

  it('when a reader re-opens a counted article, then it is granted without using the allowance, even at the limit', async () => {
    const reader = newReader();
    await count(reader, 'r1');
    const again = await count(reader, 'r1');
    expect(again).toMatchObject({ kind: 'ok', meter: { granted: true, used: 1, alreadyCounted: true } });
    await count(reader, 'r2');
    await count(reader, 'r3');
    expect(await count(reader, 'r4')).toMatchObject({ meter: { granted: false, used: 3 } });
    expect(await count(reader, 'r2')).toMatchObject({ meter: { granted: true, used: 3, alreadyCounted: true } });
  });

  it('when k views are left and n > k distinct articles are opened at once, then exactly k are granted', async () => {
    const reader = newReader();
    await count(reader, 'first', 5);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => count(reader, `burst${i}`, 5)));
    expect(answers.filter((a) => a.kind === 'ok' && a.meter?.granted)).toHaveLength(4);
    expect(await count(reader, 'after', 5)).toMatchObject({ meter: { granted: false, used: 5 } });
  });

  it('when the same new article is opened many times at once, then it is counted once', async () => {
    const reader = newReader();
    const answers = await Promise.all(Array.from({ length: 10 }, () => count(reader, 'same', 3)));
    expect(answers.every((a) => a.kind === 'ok' && a.meter?.granted)).toBe(true);
    expect(await count(reader, 'other', 3)).toMatchObject({ meter: { used: 2 } });
  });

  it('when the calendar month rolls over, then the allowance starts afresh', async () => {
    const reader = newReader();
    const lateNovember = Date.UTC(year, 10, 30, 23, 59);
    for (const article of ['n1', 'n2', 'n3']) await count(reader, article, 3, lateNovember);
    expect(await count(reader, 'n4', 3, lateNovember)).toMatchObject({ meter: { granted: false } });
    const earlyDecember = Date.UTC(year, 11, 1, 0, 0, 30);
    expect(await count(reader, 'n4', 3, earlyDecember)).toMatchObject({ meter: { granted: true, used: 1 } });
    // A November article is new again in December.
    expect(await count(reader, 'n1', 3, earlyDecember)).toMatchObject({ meter: { granted: true, used: 2, alreadyCounted: false } });
  });

  it('when a rolling window moves on, then reads older than the window stop counting', async () => {
    const reader = newReader();
    const rolling = { kind: 'rolling', days: 7 } as const;
    const t0 = Date.UTC(year, 10, 1, 10);
    await count(reader, 'w1', 2, t0, rolling);
    await count(reader, 'w2', 2, t0 + 3 * 86_400_000, rolling);
    expect(await count(reader, 'w3', 2, t0 + 5 * 86_400_000, rolling)).toMatchObject({ meter: { granted: false, used: 2, oldestReadAtMs: t0 } });
    // Seven days and a minute after the first read, one slot is free again.
    expect(await count(reader, 'w3', 2, t0 + 7 * 86_400_000 + 60_000, rolling)).toMatchObject({ meter: { granted: true, used: 2 } });
  });

  it('when peeking, then the answer says what a view would get and counts nothing', async () => {
    const reader = newReader();
    const peek = (articleId: string) => subject.store.view({ settingsVersion: 0, readerKey: reader, mode: 'peek', articleId, limit: 1, window, nowMs: now });
    expect(await peek('p1')).toMatchObject({ kind: 'ok', meter: { granted: true, used: 0 } });
    expect(await peek('p1')).toMatchObject({ meter: { used: 0 } });
    await count(reader, 'p1', 1);
    expect(await peek('p1')).toMatchObject({ meter: { granted: true, used: 1, alreadyCounted: true } });
    expect(await peek('p2')).toMatchObject({ meter: { granted: false, used: 1 } });
  });

  it('when anonymous reads are carried into an account, then reads in both count once', async () => {
    const anonymous = newReader();
    const account = `u:${uniqueName('acct')}`;
    for (const article of ['c1', 'c2']) await count(anonymous, article, 3);
    await count(account, 'c2', 10);
    await count(account, 'c3', 10);
    await subject.store.carryOver(anonymous, account, window, now);
    await subject.store.carryOver(anonymous, account, window, now);
    expect(await count(account, 'c1', 10)).toMatchObject({ meter: { granted: true, used: 3, alreadyCounted: true } });
    expect(await count(account, 'c4', 10)).toMatchObject({ meter: { used: 4 } });
  });

  it('when new readers of a network are counted, then each gets its own number, a peek counts none, and networks are apart', async () => {
    const network = `net-${uniqueName('n')}`;
    const until = now + 86_400_000;
    expect(await subject.store.newReaders(network, 'peek', until)).toBe(0);
    expect(await subject.store.newReaders(network, 'count', until)).toBe(1);
    expect(await subject.store.newReaders(network, 'count', until)).toBe(2);
    const burst = await Promise.all(Array.from({ length: 6 }, () => subject.store.newReaders(network, 'count', until)));
    expect([...burst].sort((a, b) => a - b)).toEqual([3, 4, 5, 6, 7, 8]);
    expect(await subject.store.newReaders(network, 'peek', until)).toBe(8);
    expect(await subject.store.newReaders(`${network}-other`, 'peek', until)).toBe(0);
  });

  it('when the store is pruned, then reads still in the window and counts not yet expired stay', async () => {
    const reader = newReader();
    const network = `net-${uniqueName('kept')}`;
    await count(reader, 'k1');
    await subject.store.newReaders(network, 'count', now + 86_400_000);
    await subject.store.prune(window.startMs, now);
    expect(await count(reader, 'k2')).toMatchObject({ meter: { used: 2 } });
    expect(await subject.store.newReaders(network, 'peek', now + 86_400_000)).toBe(1);
  });

  it('when the settings version the caller used is old, then the answer is stale and nothing is counted', async () => {
    const reader = newReader();
    await subject.setSettingsVersion(3);
    expect(await count(reader, 's1')).toEqual({ kind: 'stale-settings' });
    const current = await subject.store.view({ settingsVersion: 3, readerKey: reader, mode: 'count', articleId: 's1', limit: 3, window, nowMs: now });
    expect(current).toMatchObject({ kind: 'ok', meter: { used: 1 } });
  });

  it('when the reader is a subscriber, then the answer says so and the meter is not touched', async () => {
    const accountId = uniqueName('subscriber');
    await subject.makeSubscriber(accountId);
    const version = 3;
    await subject.setSettingsVersion(version);
    const answer = await subject.store.view({ settingsVersion: version, readerKey: `u:${accountId}`, accountId, mode: 'count', articleId: 'x', limit: 3, window, nowMs: now });
    expect(answer).toEqual({ kind: 'ok', entitlement: 'subscriber', meter: undefined });
  });

  describe('a new reader counted in the view\'s own call', () => {
    // After the stale-settings cases above: the store is at version 3 from here on.
    const version = 3;
    beforeAll(() => subject.setSettingsVersion(version));
    const firstView = (readerKey: string, networkKey: string, bound: number, settingsVersion = version) =>
      subject.store.view({ settingsVersion, readerKey, mode: 'count', articleId: 'nr1', limit: 3, window, nowMs: now, newReader: { networkKey, bound, expireAtMs: now + 86_400_000 } });
    const peekMeter = (readerKey: string) => subject.store.view({ settingsVersion: version, readerKey, mode: 'peek', articleId: 'other', limit: 3, window, nowMs: now });

    it('when more new readers than the bound come from one network, then the later ones are capped: an allowance of 0, nothing recorded', async () => {
      const network = `net-${uniqueName('nv')}`;
      const readers = [newReader(), newReader(), newReader()];
      const answers = [];
      for (const reader of readers) answers.push(await firstView(reader, network, 2));
      expect(answers.map((a) => a.kind === 'ok' && a.capped)).toEqual([false, false, true]);
      expect(answers.map((a) => a.kind === 'ok' && a.meter?.granted)).toEqual([true, true, false]);
      expect(answers[2]).toMatchObject({ meter: { used: 0 } });
      expect(await peekMeter(readers[0]!)).toMatchObject({ meter: { used: 1 } });
      expect(await peekMeter(readers[2]!)).toMatchObject({ meter: { used: 0 } });
      expect(await subject.store.newReaders(network, 'peek', now + 86_400_000)).toBe(3);
    });

    it('when many new readers of one network come at once, then exactly `bound` are metered', async () => {
      const network = `net-${uniqueName('nb')}`;
      const answers = await Promise.all(Array.from({ length: 10 }, () => firstView(newReader(), network, 4)));
      expect(answers.filter((a) => a.kind === 'ok' && a.capped === false && a.meter?.granted)).toHaveLength(4);
      expect(answers.filter((a) => a.kind === 'ok' && a.capped === true && a.meter?.granted === false)).toHaveLength(6);
    });

    it('when the bound is 0, then nothing is counted and no one is capped', async () => {
      const network = `net-${uniqueName('n0')}`;
      expect(await firstView(newReader(), network, 0)).toMatchObject({ kind: 'ok', capped: false, meter: { granted: true, used: 1 } });
      expect(await subject.store.newReaders(network, 'peek', now + 86_400_000)).toBe(0);
    });

    it('when the settings version the caller used is old, then the new reader is not counted', async () => {
      const network = `net-${uniqueName('ns')}`;
      expect(await firstView(newReader(), network, 5, version - 1)).toEqual({ kind: 'stale-settings' });
      expect(await subject.store.newReaders(network, 'peek', now + 86_400_000)).toBe(0);
      expect(await firstView(newReader(), network, 5)).toMatchObject({ kind: 'ok', capped: false });
      expect(await subject.store.newReaders(network, 'peek', now + 86_400_000)).toBe(1);
    });
  });
}

describe('meter store contract: SQL on SQLite', () => contract(() => sqlSubject('sqlite')));

function sqlPruning(dialect: 'sqlite' | 'postgres') {
  let subject: Subject;
  beforeAll(async () => {
    subject = await sqlSubject(dialect);
  });
  afterAll(() => subject.close());

  it('when the pruner runs, then reads before the current window and expired network counts are deleted, the rest kept', async () => {
    const day = 86_400_000;
    const october = Date.UTC(year, 9, 15, 12);
    const november = Date.UTC(year, 10, 20, 12);
    const view = (readerKey: string, articleId: string, at: number) =>
      subject.store.view({ settingsVersion: 0, readerKey, mode: 'count', articleId, limit: 10, window: meterWindow(month, at), nowMs: at });
    await view('a:gone', 'old1', october);
    await view('a:gone', 'old2', october);
    await view('a:recent', 'new', november);
    await subject.store.newReaders('expired-network', 'count', october + day);
    await subject.store.newReaders('current-network', 'count', november + day);

    let clock = october;
    const settings = { current: async () => ({ value: { ...defaultMeterSettings } as MeterSettings, version: 0 }) };
    const pruner = new MeterPruner({ store: subject.store, settings, clock: () => clock, logger: pino({ level: 'silent' }) });
    await pruner.pruneOnce();
    expect(await subject.db!.selectFrom('meter_reads').select('article_id').execute()).toHaveLength(3);

    clock = november;
    await pruner.pruneOnce();
    const reads = await subject.db!.selectFrom('meter_reads').select(['reader_key', 'article_id']).execute();
    expect(reads).toEqual([{ reader_key: 'a:recent', article_id: 'new' }]);
    const networks = await subject.db!.selectFrom('meter_new_readers').select('network').execute();
    expect(networks).toEqual([{ network: 'current-network' }]);
  });

  it('when the pruner is started and stopped, then its timer does not keep the process alive', () => {
    const settings = { current: async () => ({ value: defaultMeterSettings, version: 0 }) };
    const pruner = new MeterPruner({ store: subject.store, settings, clock: () => now, logger: pino({ level: 'silent' }), intervalMs: 60_000 });
    pruner.start();
    const timer = (pruner as unknown as { timer: NodeJS.Timeout }).timer;
    expect(timer.hasRef()).toBe(false);
    pruner.stop();
    expect((pruner as unknown as { timer: NodeJS.Timeout | undefined }).timer).toBeUndefined();
  });
}

describe('SQL meter store pruning on SQLite', () => sqlPruning('sqlite'));
describeWithServices('SQL meter store pruning on PostgreSQL', () => sqlPruning('postgres'));
describeWithServices('meter store contract: SQL on PostgreSQL', () => contract(() => sqlSubject('postgres')));
describeWithServices('meter store contract: Redis', () => contract(redisSubject));
describeWithServices('meter store contract: SQL on PostgreSQL through PgBouncer (transaction mode)', () => contract(pgbouncerSubject));
describeWithServices('meter store contract: Redis Cluster (3 masters)', () => contract(clusterSubject));

describeWithServices('Redis meter store specifics', () => {
  it('when an account has no cached entitlement, then the answer asks for it, and counts nothing', async () => {
    const subject = await redisSubject();
    const answer = await subject.store.view({ settingsVersion: 0, readerKey: 'u:nobody', accountId: 'nobody', mode: 'count', articleId: 'x', limit: 3, window, nowMs: now });
    expect(answer).toEqual({ kind: 'entitlement-unknown' });
    await subject.store.cacheEntitlement('nobody', 'none');
    expect(await subject.store.view({ settingsVersion: 0, readerKey: 'u:nobody', accountId: 'nobody', mode: 'count', articleId: 'x', limit: 3, window, nowMs: now })).toMatchObject({ kind: 'ok', entitlement: 'none', meter: { used: 1 } });
    await subject.close();
  });
});

describeWithServices('Redis meter store round trips', () => {
  it('when a new reader\'s first view is counted on one server, then it is one command: the network\'s count and the meter in one script', async () => {
    const redis: Redis = openRedis(testRedisUrl, { commandTimeoutMs: 5_000 });
    await redis.connect();
    const keyPrefix = `${uniqueName('ghtest')}:`;
    try {
      const store = new RedisMeterStore(redis, { keyPrefix });
      const sent = jest.spyOn(redis, 'sendCommand');
      const answer = await store.view({ settingsVersion: 0, readerKey: 'a:first', mode: 'count', articleId: 'x', limit: 3, window, nowMs: now, newReader: { networkKey: 'net', bound: 5, expireAtMs: now + 86_400_000 } });
      expect(answer).toMatchObject({ kind: 'ok', capped: false, meter: { granted: true, used: 1 } });
      expect(sent).toHaveBeenCalledTimes(1);
      expect(await store.newReaders('net', 'peek', now + 86_400_000)).toBe(1);
    } finally {
      const keys = await redis.keys(`${keyPrefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    }
  });
});

describeWithServices('Redis Cluster meter store specifics', () => {
  it('when an anonymous reader has read three articles this month, then its keys take at most 160 bytes, in one slot with nothing else of the meter', async () => {
    const cluster = await TestRedisCluster.start();
    const redis = await cluster.client();
    try {
      const store = new RedisMeterStore(redis, { keyPrefix: 'gatehouse:' });
      // As the reader cookie makes them (src/meter/reader-cookie.ts).
      const readerKey = `a:${randomBytes(12).toString('base64url')}`;
      for (const slug of ['tram-line-consultation', 'flood-defences-budget', 'jazz-quartet-review']) {
        await store.view({ settingsVersion: 0, readerKey, mode: 'count', articleId: meterArticleId(slug), limit: 3, window, nowMs: now });
      }
      const keys = store.readerKeys(readerKey);
      expect(await cluster.keys('gatehouse:')).toEqual(keys);
      let bytes = 0;
      for (const key of keys) bytes += Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
      expect(bytes).toBeLessThanOrEqual(160);
    } finally {
      redis.disconnect();
      await cluster.stop();
    }
  });
});

if (!haveServices) it.skip('PostgreSQL and Redis meter stores need those services', () => undefined);
