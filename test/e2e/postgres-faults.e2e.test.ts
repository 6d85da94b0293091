import { Client } from 'pg';
import request from 'supertest';
import { startTestApp, type TestApp } from '../support/test-app';
import { describeWithServices } from '../support/services';
import { goodPassword, newEmail, submitForm } from '../support/http';
import { testPostgresUrl } from '../support/env';

describeWithServices('when PostgreSQL connections are killed mid-traffic (production mode)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('production', { logger: (await import('pino')).default({ level: process.env.DEBUG_FAULTS ? 'warn' : 'silent' }) });
  });
  afterAll(() => t.close());

  it('when the app\'s connections are terminated again and again, then no 500, no account without its consent records, and full recovery', async () => {
    const database = new URL(t.deps.config.databaseUrl!).pathname.slice(1);
    const killer = new Client({ connectionString: testPostgresUrl });
    await killer.connect();
    let killing = true;
    let kills = 0;
    const kill = (async () => {
      while (killing) {
        const result = await killer.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [database]);
        kills += result.rowCount ?? 0;
        await new Promise((r) => setTimeout(r, 20));
      }
    })();

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
    killing = false;
    await kill;
    await killer.end();

    expect(kills).toBeGreaterThan(0);
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
});
