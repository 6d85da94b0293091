import { Client } from 'pg';
import request from 'supertest';
import { startTestApp, type TestApp } from '../support/test-app';
import { describeWithServices } from '../support/services';
import { goodPassword, newEmail, submitForm } from '../support/http';
import { testPostgresUrl } from '../support/env';
import { FakeStripe } from '../support/fake-stripe';

/** Terminates the app's PostgreSQL connections once; how many. */
async function terminateConnectionsOf(databaseUrl: string): Promise<number> {
  const killer = new Client({ connectionString: testPostgresUrl });
  await killer.connect();
  try {
    const result = await killer.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [new URL(databaseUrl).pathname.slice(1)]);
    return result.rowCount ?? 0;
  } finally {
    await killer.end();
  }
}

/** Terminates the app's PostgreSQL connections every `everyMs` until the returned stop is called. */
async function killConnectionsOf(databaseUrl: string, everyMs = 20): Promise<() => Promise<number>> {
  const database = new URL(databaseUrl).pathname.slice(1);
  const killer = new Client({ connectionString: testPostgresUrl });
  await killer.connect();
  let killing = true;
  let kills = 0;
  const loop = (async () => {
    while (killing) {
      const result = await killer.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [database]);
      kills += result.rowCount ?? 0;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return async () => {
    killing = false;
    await loop;
    await killer.end();
    return kills;
  };
}

describeWithServices('when PostgreSQL connections are killed mid-traffic (production mode)', () => {
  let t: TestApp;
  let stripe: FakeStripe;
  beforeAll(async () => {
    stripe = new FakeStripe();
    await stripe.start();
    t = await startTestApp('production', {
      logger: (await import('pino')).default({ level: process.env.DEBUG_FAULTS ? 'warn' : 'silent' }),
      // Many sign-ups from one address on purpose: the sign-up throttle is not under test here.
      throttleLimits: { signupsPerAddress: 100_000, signupsPerMinute: 100_000 },
      env: { ...stripe.appEnv() },
    });
    await t.deps.billing.plans.replace([{ priceId: 'price_monthly', name: 'Monthly', description: '' }]);
  });
  afterAll(async () => {
    await t.close();
    await stripe.stop();
  });

  it('when the app\'s connections are terminated again and again, then no 500, no account without its consent records, and full recovery', async () => {
    const stopKilling = await killConnectionsOf(t.deps.config.databaseUrl!);

    const statuses: number[] = [];
    const signupStatuses: number[] = [];
    const deadline = Date.now() + 3_000;
    await Promise.all(
      Array.from({ length: 6 }, async (_, worker) => {
        while (Date.now() < deadline) {
          if (worker % 2 === 0) {
            statuses.push((await request(t.app).get('/articles/harbour-bridge-reopens')).status);
          } else {
            const agent = request.agent(t.app);
            const form = await agent.get('/signup');
            if (form.status !== 200) {
              signupStatuses.push(form.status);
              continue;
            }
            const token = /name="_csrf" value="([^"]+)"/.exec(form.text)![1]!;
            signupStatuses.push((await agent.post('/signup').type('form').send({ email: newEmail(), password: goodPassword, _csrf: token })).status);
          }
        }
      }),
    );
    expect(await stopKilling()).toBeGreaterThan(0);
    expect(statuses.length).toBeGreaterThan(10);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(signupStatuses.length).toBeGreaterThan(2);
    expect(signupStatuses.filter((s) => s !== 303 && s !== 503)).toEqual([]);
    // The faults did land on the write path: some sign-ups were turned away with a 503.
    expect(signupStatuses).toContain(503);

    const db = t.deps.database.db;
    const orphans = await db
      .selectFrom('accounts')
      .leftJoin('consents', 'consents.account_id', 'accounts.id')
      .select('accounts.id')
      .groupBy('accounts.id')
      .having((eb) => eb.fn.count('consents.id'), '<', 2)
      .execute();
    expect(orphans).toEqual([]);

    const after = await submitForm(request.agent(t.app), '/signup', '/signup', { email: newEmail(), password: goodPassword });
    expect(after.status).toBe(303);
    await request(t.app).get('/readyz').expect(200);
  });

  it('when webhooks arrive while connections are killed, then each answers 200 or 5xx, none is half-applied, and Stripe\'s retries finish the job', async () => {
    const db = t.deps.database.db;
    const readers = await Promise.all(
      Array.from({ length: 24 }, async () => {
        const email = newEmail();
        expect((await submitForm(request.agent(t.app), '/signup', '/signup', { email, password: goodPassword })).status).toBe(303);
        const account = (await db.selectFrom('accounts').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
        const subscription = stripe.createSubscription(`cus_fault_${account.slice(0, 8)}`, 'price_monthly', 'active', { accountId: account });
        return { account, subscription, event: stripe.event('customer.subscription.created', subscription) };
      }),
    );
    const deliver = (event: Record<string, unknown>) => stripe.deliver(t.app, event);

    // One delivery is certain to meet a fault: its connection (holding the subscription's
    // lock while Stripe answers) is terminated between the Stripe read and the write.
    const held = stripe.holdNextRetrieve(readers[0]!.subscription.id as string);
    const cut = Promise.resolve(deliver(readers[0]!.event));
    await held.arrived;
    expect(await terminateConnectionsOf(t.deps.config.databaseUrl!)).toBeGreaterThan(0);
    held.release();
    // The others: sparser than above, so that some land between kills and some across one.
    const stopKilling = await killConnectionsOf(t.deps.config.databaseUrl!, 150);
    const first = [(await cut).status, ...(await Promise.all(readers.slice(1).map(async (r, i) => {
      await new Promise((resolve) => setTimeout(resolve, i * 25));
      return (await deliver(r.event)).status;
    })))];
    expect(await stopKilling()).toBeGreaterThan(0);
    expect(first.filter((status) => status !== 200 && status < 500)).toEqual([]);
    expect(first[0]).toBeGreaterThanOrEqual(500);

    // No event is recorded without its effect, and no effect without its event.
    const ids = readers.map((r) => r.event.id as string);
    const recorded = new Set((await db.selectFrom('stripe_events').select('id').where('id', 'in', ids).execute()).map((row) => row.id));
    const applied = new Set((await db.selectFrom('subscriptions').select('account_id').where('account_id', 'in', readers.map((r) => r.account)).execute()).map((row) => row.account_id));
    for (const r of readers) expect(recorded.has(r.event.id as string)).toBe(applied.has(r.account));
    readers.forEach((r, i) => {
      if (first[i] === 200) expect(recorded.has(r.event.id as string)).toBe(true);
    });

    // Stripe retries what did not answer 2xx (and may resend some that did): all end applied, once.
    for (const [i, r] of readers.entries()) {
      const again = await deliver(r.event).expect(200);
      expect(again.body.outcome).toBe(first[i] === 200 || recorded.has(r.event.id as string) ? 'duplicate' : 'applied');
    }
    const events = await db.selectFrom('stripe_events').select(['id', 'outcome']).where('id', 'in', ids).execute();
    expect(events).toHaveLength(readers.length);
    expect(events.every((e) => e.outcome === 'applied')).toBe(true);
    for (const r of readers) expect(await t.deps.meter.entitlements.entitlementOf(r.account, new Date())).toBe('subscriber');
  });
});
