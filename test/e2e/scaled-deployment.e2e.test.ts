import request from 'supertest';
import type { Express } from 'express';
import { describeWithServices } from '../support/services';
import { csrfTokenIn, goodPassword, newEmail, sessionCookieOf, signUp, submitForm, type Agent } from '../support/http';
import { makeFixtureContent } from '../support/fixture-content';
import { FakeStripe } from '../support/fake-stripe';
import { ScaledDeployment, roundRobin } from '../support/scaled-app';
import type { TestApp } from '../support/test-app';
import { defaultMeterSettings, type MeterSettings } from '../../src/meter/meter-settings';

// Two instances behind a round-robin balancer, over a 3-master Redis Cluster and PgBouncer
// in transaction mode: consecutive requests of one reader land on different instances.
describeWithServices('two instances over a Redis Cluster and PgBouncer (transaction mode)', () => {
  let deployment: ScaledDeployment;
  let stripe: FakeStripe;
  let a: TestApp;
  let b: TestApp;
  let lb: Express;
  let apiKey: string;
  let next = 0;
  const fresh = () => `m${(next += 1)}`;
  const settings = (patch: Partial<MeterSettings>) =>
    request(lb).put('/admin/api/meter').set('Authorization', `Bearer ${apiKey}`).send({ ...defaultMeterSettings, ...patch }).expect(200);

  beforeAll(async () => {
    stripe = new FakeStripe();
    await stripe.start();
    deployment = await ScaledDeployment.start({
      CONTENT_DIR: makeFixtureContent(),
      STRIPE_SECRET_KEY: stripe.secretKey,
      STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
      STRIPE_API_URL: stripe.url,
      PUBLIC_URL: 'http://gatehouse.test',
    });
    a = await deployment.instance();
    b = await deployment.instance();
    lb = roundRobin([a, b]);
    apiKey = (await a.deps.admin.apiKeys.create('tests')).key;
    await request(lb).put('/admin/api/plans').set('Authorization', `Bearer ${apiKey}`).send([{ priceId: 'price_monthly', name: 'Monthly', description: 'Every article' }]).expect(200);
  }, 60_000);
  afterAll(async () => {
    await deployment.stop();
    await stripe.stop();
  });
  beforeEach(() => settings({}));

  it('when readiness is asked, then each instance has pinged every master of the cluster and the database through PgBouncer', async () => {
    for (const instance of [a, b]) {
      const ready = await request(instance.app).get('/readyz').expect(200);
      expect(ready.body.checks).toEqual({ database: 'ok', redis: 'ok' });
    }
    const cluster = a.deps.redis as unknown as { nodes(role: string): { ping(): Promise<string> }[] };
    const pings = cluster.nodes('master').map((node) => jest.spyOn(node, 'ping'));
    expect(pings.length).toBe(3);
    await request(a.app).get('/readyz').expect(200);
    for (const ping of pings) expect(ping).toHaveBeenCalled();
  });

  it('when a reader signs up on one instance, then the other knows the session, and sign-out and sign-in work across them', async () => {
    const { agent, email, response } = await signUp(lb);
    expect(sessionCookieOf(response)).toBeDefined();
    for (let i = 0; i < 2; i += 1) expect((await agent.get('/api/me').expect(200)).body).toMatchObject({ signedIn: true, email });
    const account = await agent.get('/account').expect(200);
    await agent.post('/signout').type('form').send({ _csrf: csrfTokenIn(account.text) }).expect(303);
    for (let i = 0; i < 2; i += 1) expect((await agent.get('/api/me').expect(200)).body).toMatchObject({ signedIn: false });
    await submitForm(agent, '/signin', '/signin', { email, password: goodPassword }).then((r) => expect(r.status).toBe(303));
    for (let i = 0; i < 2; i += 1) expect((await agent.get('/api/me').expect(200)).body).toMatchObject({ signedIn: true, email });
  });

  it('when an anonymous reader alternates instances, then one allowance counts down, and the reads carry into the account at sign-up', async () => {
    const agent = request.agent(lb);
    const remaining = [];
    for (let i = 0; i < 3; i += 1) remaining.push((await agent.get(`/articles/${fresh()}`).expect(200)).headers['x-meter-remaining']);
    expect(remaining).toEqual(['2', '1', '0']);
    expect((await agent.get(`/articles/${fresh()}`).expect(200)).headers['x-access-decision']).toBe('registration-wall');
    await submitForm(agent, '/signup', '/signup', { email: newEmail(), password: goodPassword, returnTo: '/' }).then((r) => expect(r.status).toBe(303));
    expect((await agent.get('/api/me').expect(200)).body.meter).toMatchObject({ limit: 10, used: 3, remaining: 7 });
    expect((await agent.get(`/articles/${fresh()}`).expect(200)).headers['x-meter-remaining']).toBe('6');
  });

  it('when the publisher changes the meter on one instance, then the other applies it on its next request', async () => {
    await request(a.app).put('/admin/api/meter').set('Authorization', `Bearer ${apiKey}`).send({ ...defaultMeterSettings, anonymousLimit: 7 }).expect(200);
    const view = await request(b.app).get(`/articles/${fresh()}`).expect(200);
    expect(view.headers).toMatchObject({ 'x-meter-limit': '7', 'x-meter-remaining': '6' });
  });

  it('when a Stripe webhook reaches one instance, then the reader is a subscriber on both', async () => {
    const { agent } = await signUp(lb);
    const page = await agent.get('/articles/premium-one').expect(200);
    expect(page.headers['x-access-decision']).toBe('paywall');
    const checkout = await agent.post('/subscribe').type('form').send({ priceId: 'price_monthly', returnTo: '/articles/premium-one', _csrf: csrfTokenIn(page.text) }).expect(303);
    const sessionId = /\/c\/pay\/(cs_test_[A-Za-z0-9_]+)/.exec(checkout.headers.location as string)![1]!;
    stripe.completeCheckout(sessionId);
    expect((await stripe.deliver(lb, stripe.event('checkout.session.completed', stripe.checkoutSessionObject(sessionId))).expect(200)).body.outcome).toBe('applied');
    const decisions = [];
    for (let i = 0; i < 2; i += 1) decisions.push((await agent.get('/articles/premium-one').expect(200)).headers['x-access-decision']);
    expect(decisions).toEqual(['subscriber', 'subscriber']);
  });

  it('when the slot of a reader\'s meter moves to another master mid-traffic, then every view answers from the meter and no count is lost', async () => {
    await settings({ anonymousLimit: 50 });
    const agent: Agent = request.agent(lb);
    const views: request.Response[] = [];
    const view = async () => views.push(await agent.get(`/articles/${fresh()}`));
    const before = new Set(await deployment.cluster.keys('gh:{a:'));
    await view();
    const ours = (await deployment.cluster.keys('gh:{a:')).filter((key) => !before.has(key));
    expect(ours).toHaveLength(1);
    const meterKey = ours[0];
    const slot = await deployment.cluster.slotOf(meterKey!);
    const from = await deployment.cluster.portOfSlot(slot);
    // Views while the slot is MIGRATING (ASK redirections), then after it moved (MOVED).
    const to = await deployment.cluster.migrateSlot(slot, async () => {
      await view();
      await view();
    });
    await view();
    expect(await deployment.cluster.portOfSlot(slot)).toBe(to);
    expect(to).not.toBe(from);
    expect(views.map((v) => v.status).every((status) => status === 200)).toBe(true);
    expect(views.map((v) => v.headers['x-access-decision'])).toEqual(views.map(() => 'metered'));
    expect(views.map((v) => Number(v.headers['x-meter-remaining']))).toEqual(views.map((_, i) => 49 - i));
  });
});
