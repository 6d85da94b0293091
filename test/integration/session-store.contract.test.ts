import type { SessionData, Store } from 'express-session';
import { IndexedRedisSessionStore, type AccountSessions } from '../../src/store/session-store.redis';
import type Redis from 'ioredis';
import { SqlSessionStore } from '../../src/store/session-store.sql';
import { LifetimeSessionStore } from '../../src/store/session-store.lifetime';
import { openRedis } from '../../src/store/redis';
import { openTestDatabase, type TestDatabase } from '../support/databases';
import { describeWithServices, haveServices, uniqueName } from '../support/services';
import { testRedisUrl } from '../support/env';
import { TestRedisCluster } from '../support/redis-cluster';

interface StoreUnderTest {
  readonly store: Store & AccountSessions;
  close(): Promise<void>;
}

const factories: Record<string, () => Promise<StoreUnderTest>> = {
  'SQL store on SQLite': async () => sqlStore(await openTestDatabase('sqlite')),
  'SQL store on PostgreSQL': async () => sqlStore(await openTestDatabase('postgres')),
  'indexed connect-redis on Redis': async () => {
    const redis: Redis = openRedis(testRedisUrl);
    await redis.connect();
    const prefix = `${uniqueName('ghtest')}:`;
    return {
      store: new IndexedRedisSessionStore(redis, { prefix, ttlSeconds: 3600 }),
      close: async () => {
        const keys = await redis.keys(`${prefix}*`);
        if (keys.length) await redis.del(...keys);
        redis.disconnect();
      },
    };
  },
  'indexed connect-redis on a Redis Cluster (3 masters)': async () => {
    const cluster = await TestRedisCluster.start();
    const redis = await cluster.client();
    return {
      store: new IndexedRedisSessionStore(redis, { prefix: 'ghtest:', ttlSeconds: 3600 }),
      close: async () => {
        redis.disconnect();
        await cluster.stop();
      },
    };
  },
};

function sqlStore(database: TestDatabase): StoreUnderTest {
  return { store: new SqlSessionStore(database.handle.db, { defaultMaxAgeMs: 3_600_000 }), close: () => database.close() };
}

const call = <T>(fn: (cb: (error?: unknown, value?: T) => void) => void) =>
  new Promise<T | undefined>((resolve, reject) => fn((error, value) => (error ? reject(error) : resolve(value))));

function sessionData(expiresInMs: number, extra: Record<string, unknown> = {}): SessionData {
  return { cookie: { originalMaxAge: expiresInMs, expires: new Date(Date.now() + expiresInMs), httpOnly: true, path: '/' }, ...extra } as unknown as SessionData;
}

function contract(name: string) {
  let subject: StoreUnderTest;
  beforeAll(async () => {
    subject = await factories[name]!();
  });
  afterAll(() => subject.close());

  it('when a session is set, then get returns what was stored', async () => {
    await call((cb) => subject.store.set('sid-a', sessionData(60_000, { passport: { user: 'account-1' } }), cb));
    const got = await call<SessionData | null>((cb) => subject.store.get('sid-a', cb));
    expect(got).toMatchObject({ passport: { user: 'account-1' } });
  });

  it('when a session is set again, then the new data replaces the old', async () => {
    await call((cb) => subject.store.set('sid-b', sessionData(60_000, { returnTo: '/one' }), cb));
    await call((cb) => subject.store.set('sid-b', sessionData(60_000, { returnTo: '/two' }), cb));
    expect(await call<SessionData | null>((cb) => subject.store.get('sid-b', cb))).toMatchObject({ returnTo: '/two' });
  });

  it('when a session is destroyed, then get finds nothing', async () => {
    await call((cb) => subject.store.set('sid-c', sessionData(60_000), cb));
    await call((cb) => subject.store.destroy('sid-c', cb));
    expect(await call((cb) => subject.store.get('sid-c', cb))).toBeFalsy();
  });

  it('when a session has expired, then get finds nothing', async () => {
    await call((cb) => subject.store.set('sid-d', sessionData(1_000), cb));
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await call((cb) => subject.store.get('sid-d', cb))).toBeFalsy();
  });

  it('when an unknown id is asked for, then get finds nothing', async () => {
    expect(await call((cb) => subject.store.get('never-set', cb))).toBeFalsy();
  });

  it('when a session is older than the absolute lifetime since its sign-in, then it is gone however recently it was used', async () => {
    let now = Date.now();
    const lifetime = new LifetimeSessionStore(subject.store, { absoluteMaxAgeMs: 60_000, clock: () => now });
    const signedInAt = now;
    await call((cb) => lifetime.set('sid-abs', sessionData(3_600_000, { authAt: signedInAt, passport: { user: 'acc-abs' } }), cb));
    now += 30_000;
    // Used again: the idle expiry moves on, the absolute end does not.
    await call((cb) => lifetime.set('sid-abs', sessionData(3_600_000, { authAt: signedInAt, passport: { user: 'acc-abs' } }), cb));
    expect(await call((cb) => lifetime.get('sid-abs', cb))).toBeTruthy();
    now += 31_000;
    expect(await call((cb) => lifetime.get('sid-abs', cb))).toBeFalsy();
    expect(await call((cb) => subject.store.get('sid-abs', cb))).toBeFalsy();
  });

  it('when a session is stored, then the store itself expires it at the absolute end, not at the cookie\'s', async () => {
    const lifetime = new LifetimeSessionStore(subject.store, { absoluteMaxAgeMs: 1_000, clock: Date.now });
    await call((cb) => lifetime.set('sid-clamp', sessionData(3_600_000, { authAt: Date.now() }), cb));
    expect(await call((cb) => subject.store.get('sid-clamp', cb))).toBeTruthy();
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await call((cb) => subject.store.get('sid-clamp', cb))).toBeFalsy();
  });

  it('when every session of an account is ended, then only the one kept and other accounts\' survive', async () => {
    for (const sid of ['acc-s1', 'acc-s2', 'acc-s3']) await call((cb) => subject.store.set(sid, sessionData(60_000, { passport: { user: 'acc-x' } }), cb));
    await call((cb) => subject.store.set('acc-other', sessionData(60_000, { passport: { user: 'acc-y' } }), cb));
    await subject.store.destroyAllOf('acc-x', 'acc-s2');
    const alive = await Promise.all(['acc-s1', 'acc-s2', 'acc-s3', 'acc-other'].map((sid) => call((cb) => subject.store.get(sid, cb))));
    expect(alive.map(Boolean)).toEqual([false, true, false, true]);
    await subject.store.destroyAllOf('acc-x');
    expect(await call((cb) => subject.store.get('acc-s2', cb))).toBeFalsy();
  });
}

describe('session store: expired sessions are purged on a schedule (SQL store)', () => {
  it('when sessions have expired, then purgeExpired deletes their rows and keeps live ones', async () => {
    const database = await openTestDatabase('sqlite');
    let now = Date.UTC(2026, 11, 1);
    const store = new SqlSessionStore(database.handle.db, { defaultMaxAgeMs: 60_000, now: () => now });
    const at = (ms: number) => ({ cookie: { originalMaxAge: ms, expires: new Date(now + ms), httpOnly: true, path: '/' } }) as unknown as SessionData;
    await call((cb) => store.set('old', at(1_000), cb));
    await call((cb) => store.set('live', at(60_000), cb));
    now += 2_000;
    expect(await store.purgeExpired()).toBe(1);
    const left = await database.handle.db.selectFrom('sessions').select('sid').execute();
    expect(left.map((r) => r.sid)).toEqual(['live']);
    await database.close();
  });
});

describe('session store contract: touch (SQL store)', () => {
  it('when a session is touched, then its life is extended', async () => {
    const database = await openTestDatabase('sqlite');
    const store = new SqlSessionStore(database.handle.db, { defaultMaxAgeMs: 60_000 });
    await call((cb) => store.set('sid-e', sessionData(1_000), cb));
    await call((cb) => store.touch('sid-e', sessionData(60_000), cb));
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await call((cb) => store.get('sid-e', cb))).toBeTruthy();
    await database.close();
  });
});

describe('session store contract: SQL store on SQLite', () => contract('SQL store on SQLite'));
describeWithServices('session store contract: SQL store on PostgreSQL', () => contract('SQL store on PostgreSQL'));
describeWithServices('session store contract: indexed connect-redis on Redis', () => contract('indexed connect-redis on Redis'));
describeWithServices('session store contract: indexed connect-redis on a Redis Cluster', () => contract('indexed connect-redis on a Redis Cluster (3 masters)'));


if (!haveServices) it.skip('PostgreSQL and Redis session stores need those services', () => undefined);
