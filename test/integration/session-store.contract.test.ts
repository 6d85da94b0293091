import type { SessionData, Store } from 'express-session';
import { RedisStore } from 'connect-redis';
import type Redis from 'ioredis';
import { SqlSessionStore } from '../../src/store/session-store.sql';
import { openRedis } from '../../src/store/redis';
import { openTestDatabase, type TestDatabase } from '../support/databases';
import { describeWithServices, haveServices, uniqueName } from '../support/services';
import { testRedisUrl } from '../support/env';

interface StoreUnderTest {
  readonly store: Store;
  close(): Promise<void>;
}

const factories: Record<string, () => Promise<StoreUnderTest>> = {
  'SQL store on SQLite': async () => sqlStore(await openTestDatabase('sqlite')),
  'SQL store on PostgreSQL': async () => sqlStore(await openTestDatabase('postgres')),
  'connect-redis on Redis': async () => {
    const redis: Redis = openRedis(testRedisUrl);
    await redis.connect();
    const prefix = `${uniqueName('ghtest')}:sess:`;
    return {
      store: new RedisStore({ client: redis, prefix, ttl: 3600 }),
      close: async () => {
        const keys = await redis.keys(`${prefix}*`);
        if (keys.length) await redis.del(...keys);
        redis.disconnect();
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

  it('when a session is touched, then its life is extended', async () => {
    await call((cb) => subject.store.set('sid-e', sessionData(1_000), cb));
    await call((cb) => subject.store.touch!('sid-e', sessionData(60_000), cb));
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await call((cb) => subject.store.get('sid-e', cb))).toBeTruthy();
  });
}

describe('session store contract: SQL store on SQLite', () => contract('SQL store on SQLite'));
describeWithServices('session store contract: SQL store on PostgreSQL', () => contract('SQL store on PostgreSQL'));
describeWithServices('session store contract: connect-redis on Redis', () => contract('connect-redis on Redis'));

describe('SqlSessionStore extras', () => {
  it('when every session of an account is ended, then only the one kept survives', async () => {
    const database = await openTestDatabase('sqlite');
    const store = new SqlSessionStore(database.handle.db, { defaultMaxAgeMs: 60_000 });
    for (const sid of ['s1', 's2', 's3']) await call((cb) => store.set(sid, sessionData(60_000, { passport: { user: 'acc' } }), cb));
    await call((cb) => store.set('other', sessionData(60_000, { passport: { user: 'someone-else' } }), cb));
    await store.destroyAllOf('acc', 's2');
    const alive = await Promise.all(['s1', 's2', 's3', 'other'].map((sid) => call((cb) => store.get(sid, cb))));
    expect(alive.map(Boolean)).toEqual([false, true, false, true]);
    await database.close();
  });
});

if (!haveServices) it.skip('PostgreSQL and Redis session stores need those services', () => undefined);
