import request from 'supertest';
import { startTestApp, type TestApp } from '../support/test-app';
import { describeWithServices } from '../support/services';
import { csrfTokenIn, goodPassword, signUp, submitForm } from '../support/http';
import { TestRedisServer } from '../support/redis-server';
import { makeFixtureContent } from '../support/fixture-content';
import { defaultMeterSettings } from '../../src/meter/meter-settings';

// The bound SPEC section 5 sets: a page within one second whatever the meter store does.
const withinOneSecond = { response: 1_000, deadline: 1_000 };

describeWithServices('when Redis goes away (production mode)', () => {
  let redis: TestRedisServer;
  let t: TestApp;
  let key: string;
  let next = 0;
  const fresh = () => `/articles/m${(next += 1)}`;

  const policy = (onStoreFailure: 'open' | 'closed') =>
    request(t.app).put('/admin/api/meter').set('Authorization', `Bearer ${key}`).send({ ...defaultMeterSettings, onStoreFailure }).expect(200);

  async function waitUntilReady(): Promise<void> {
    const deadline = Date.now() + 10_000;
    while ((await request(t.app).get('/readyz')).status !== 200) {
      if (Date.now() > deadline) throw new Error('the app did not recover after Redis came back');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  beforeAll(async () => {
    redis = await TestRedisServer.start();
    t = await startTestApp('production', { env: { REDIS_URL: redis.url, CONTENT_DIR: makeFixtureContent() } });
    key = (await t.deps.admin.apiKeys.create('tests')).key;
  });
  afterAll(async () => {
    await redis.start().catch(() => undefined);
    await t.close();
    await redis.stop();
  });

  it('when the policy is open, then every reader still gets the article, uncounted, and all recovers after', async () => {
    await policy('open');
    const anonymous = request.agent(t.app);
    expect((await anonymous.get(fresh())).headers['x-meter-remaining']).toBe('2');
    const { agent: signedIn, email } = await signUp(t.app);
    expect((await signedIn.get(fresh())).headers['x-meter-limit']).toBe('10');

    await redis.stop();

    const anon = await anonymous.get(fresh()).timeout(withinOneSecond).expect(200);
    expect(anon.headers['x-access-decision']).toBe('metered');
    expect(anon.headers['x-meter-status']).toBe('unavailable');
    expect(anon.headers['x-meter-remaining']).toBeUndefined();
    expect(anon.text).toContain('Three.');

    // A session cookie whose store is gone must not turn into a 500.
    const signed = await signedIn.get(fresh()).timeout(withinOneSecond).expect(200);
    expect(signed.headers['x-access-decision']).toBe('metered');

    expect((await request(t.app).get('/articles/free-one').timeout(withinOneSecond)).headers['x-access-decision']).toBe('free');
    expect((await request(t.app).get('/articles/premium-one').timeout(withinOneSecond)).headers['x-access-decision']).toBe('paywall');
    await request(t.app).get('/').timeout(withinOneSecond).expect(200);
    const ready = await request(t.app).get('/readyz').expect(503);
    expect(ready.body.checks).toEqual({ database: 'ok', redis: 'down' });

    // The form needs no store (its CSRF token is in a signed cookie); signing in does: a
    // readable 503, not a 500 or a 403.
    const signinAgent = request.agent(t.app);
    const form = await signinAgent.get('/signin').timeout(withinOneSecond).expect(200);
    const signin = await signinAgent.post('/signin').type('form').send({ email, password: goodPassword, _csrf: csrfTokenIn(form.text) }).timeout(withinOneSecond);
    expect(signin.status).toBe(503);
    expect(signin.headers['retry-after']).toBe('30');
    expect(signin.text).toContain('Please try again in a minute');

    await redis.start();
    await waitUntilReady();
    // Redis came back empty: the meter counts again from there, and signing in works again.
    expect((await submitForm(request.agent(t.app), '/signin', '/signin', { email, password: goodPassword })).status).toBe(303);
    const after = await anonymous.get(fresh()).expect(200);
    expect(after.headers['x-meter-status']).toBeUndefined();
    expect(after.headers['x-meter-remaining']).toBe('2');
  });

  it('when the policy is closed, then readers see the wall while the store is down', async () => {
    await policy('closed');
    await redis.stop();
    // Saving settings needs every instance told: while Redis is down nothing is saved.
    await request(t.app).put('/admin/api/meter').set('Authorization', `Bearer ${key}`).send({ ...defaultMeterSettings, anonymousLimit: 9 }).expect(503);
    await redis.start();
    await waitUntilReady();
    const anonymous = request.agent(t.app);
    await anonymous.get(fresh()).expect(200);
    await redis.stop();
    const wall = await anonymous.get(fresh()).timeout(withinOneSecond).expect(200);
    expect(wall.headers['x-access-decision']).toBe('registration-wall');
    expect(wall.text).not.toContain('Three.');
    await redis.start();
    await waitUntilReady();
    const back = await anonymous.get(fresh());
    expect(back.headers).toMatchObject({ 'x-access-decision': 'metered', 'x-meter-limit': '3' });
    await policy('open');
  });

  it('when Redis is stopped and restarted under concurrent traffic, then every page and API answer is a 2xx within the bound', async () => {
    await policy('open');
    const { agent: signedIn } = await signUp(t.app);
    const statuses: number[] = [];
    let running = true;
    let article = 0;
    const worker = async (n: number) => {
      while (running) {
        const agent = n % 3 === 0 ? signedIn : request.agent(t.app);
        const path = n % 3 === 1 ? '/api/me' : `/articles/m${(article++ % 100) + 1}`;
        const response = await agent.get(path).timeout(withinOneSecond).catch(() => ({ status: 599 }));
        statuses.push(response.status);
      }
    };
    const workers = Array.from({ length: 6 }, (_, n) => worker(n));
    await new Promise((r) => setTimeout(r, 300));
    await redis.stop();
    await new Promise((r) => setTimeout(r, 1_000));
    await redis.start();
    await waitUntilReady();
    await new Promise((r) => setTimeout(r, 300));
    running = false;
    await Promise.all(workers);
    expect(statuses.length).toBeGreaterThan(30);
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
  });
});
