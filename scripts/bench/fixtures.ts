import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { Client } from 'pg';
import { migrateToLatest } from '../../src/store/migrate';
import { openDatabase, type DatabaseHandle } from '../../src/store/database';
import { AccountsRepository } from '../../src/auth/accounts.repository';
import { EntitlementsRepository } from '../../src/meter/entitlements.repository';
import { RedisMeterStore } from '../../src/meter/meter-store.redis';
import { ApiKeysRepository } from '../../src/admin/api-keys.repository';
// The Stripe-shaped server lives with the tests; the bench borrows it rather than keep a copy.
import { FakeStripe } from '../../test/support/fake-stripe';

const postgresUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A throwaway production setup: its own PostgreSQL database, Redis key prefix and Stripe. */
export interface Fixtures {
  readonly env: NodeJS.ProcessEnv;
  readonly handle: DatabaseHandle;
  readonly redis: Redis;
  readonly keyPrefix: string;
  readonly sessionSecret: string;
  readonly stripe: FakeStripe;
  /** An admin API key, for the settings and the consent export. */
  readonly apiKey: string;
  tearDown(): Promise<void>;
}

export async function createFixtures(): Promise<Fixtures> {
  const database = `gatehouse_bench_${randomBytes(4).toString('hex')}`;
  const keyPrefix = `ghbench${randomBytes(4).toString('hex')}:`;
  const sessionSecret = randomBytes(32).toString('hex');
  const admin = new Client({ connectionString: postgresUrl });
  await admin.connect();
  await admin.query(`create database ${database}`);
  const url = new URL(postgresUrl);
  url.pathname = `/${database}`;
  const handle = openDatabase({ databaseUrl: url.href, sqliteFile: '' });
  await migrateToLatest(handle.db);
  const redis = new Redis(redisUrl);
  const stripe = new FakeStripe();
  await stripe.start();
  const { key: apiKey } = await new ApiKeysRepository(handle.db, Date.now).create('bench');
  const env = {
    ...process.env,
    NODE_ENV: 'production',
    PUBLIC_URL: 'http://localhost:8080',
    DATABASE_URL: url.href,
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: keyPrefix,
    SESSION_SECRET: sessionSecret,
    LOG_LEVEL: 'info',
    STRIPE_SECRET_KEY: stripe.secretKey,
    STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
    STRIPE_API_URL: stripe.url,
  };
  return {
    env,
    handle,
    redis,
    keyPrefix,
    sessionSecret,
    stripe,
    apiKey,
    async tearDown() {
      // A run on a fast machine leaves a few hundred thousand readers' keys: too many for
      // one command's arguments (a spread of them overflowed the stack), so a thousand at a time.
      const keys = await redis.keys(`${keyPrefix}*`);
      for (let i = 0; i < keys.length; i += 1000) await redis.unlink(...keys.slice(i, i + 1000));
      redis.disconnect();
      await stripe.stop();
      await handle.close();
      await admin.query(`drop database if exists ${database} with (force)`);
      await admin.end();
    },
  };
}

/**
 * All the load comes from one address, so the new-reader bound would wall off every
 * cookieless reader after the first few. It is raised to its maximum rather than turned off,
 * so that each new reader still pays for being counted.
 */
export async function raiseNewReaderBound(base: string, apiKey: string): Promise<void> {
  const authorization = `Bearer ${apiKey}`;
  const current = (await (await fetch(`${base}/admin/api/meter`, { headers: { authorization } })).json()) as Record<string, unknown>;
  const response = await fetch(`${base}/admin/api/meter`, {
    method: 'PUT',
    headers: { authorization, 'content-type': 'application/json' },
    body: JSON.stringify({ ...current, newReadersPerNetwork: 1_000_000 }),
  });
  if (response.status !== 200) throw new Error(`raising the new-reader bound: ${response.status} ${await response.text()}`);
}

export function setCookies(response: Response): string[] {
  return response.headers.getSetCookie().map((c) => c.split(';')[0]!);
}

/** Signs a new reader up through the app's own form, CSRF token included. */
export async function signUp(base: string): Promise<{ cookie: string; email: string }> {
  const form = await fetch(`${base}/signup`);
  const cookie = setCookies(form).join('; ');
  const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!;
  const email = `bench-${randomBytes(6).toString('hex')}@example.com`;
  const response = await fetch(`${base}/signup`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email, password: 'lantern harbour tide bench', _csrf: token }),
  });
  if (response.status !== 303) throw new Error(`bench sign-up failed: ${response.status}`);
  return { cookie: setCookies(response).join('; '), email };
}

/** A signed-up reader made a subscriber in the database, with the cached entitlement dropped. */
export async function subscriber(base: string, fixtures: Fixtures): Promise<string> {
  const { cookie, email } = await signUp(base);
  const accountId = (await new AccountsRepository(fixtures.handle.db, Date.now).findByEmail(email))!.id;
  await new EntitlementsRepository(fixtures.handle.db, Date.now).set(accountId, 'subscriber', null);
  await new RedisMeterStore(fixtures.redis, { keyPrefix: fixtures.keyPrefix }).forgetEntitlement(accountId);
  return cookie;
}

/** An anonymous reader (its Cookie header) after reading `slugs` in turn. */
export async function anonymousReaderAfter(base: string, slugs: readonly string[]): Promise<string> {
  let cookie = '';
  for (const slug of slugs) {
    const response = await fetch(`${base}/articles/${slug}`, { headers: cookie ? { cookie } : {} });
    await response.arrayBuffer();
    cookie ||= setCookies(response).join('; ');
  }
  return cookie;
}
