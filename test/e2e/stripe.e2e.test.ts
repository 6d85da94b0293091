import request from 'supertest';
import { describeMode, modes, startTestApp, type TestApp } from '../support/test-app';
import { csrfTokenIn, signUp, submitForm, goodPassword, newEmail } from '../support/http';
import { FakeStripe } from '../support/fake-stripe';

type Agent = ReturnType<typeof request.agent>;
const plans = [
  { priceId: 'price_monthly', name: 'Monthly', description: 'Every article, billed monthly' },
  { priceId: 'price_yearly', name: 'Yearly', description: 'Two months free' },
];

for (const mode of modes) {
  describeMode(mode)(`subscriptions through Stripe (${mode})`, () => {
    let stripe: FakeStripe;
    let t: TestApp;
    let key: string;

    beforeAll(async () => {
      stripe = new FakeStripe();
      await stripe.start();
      t = await startTestApp(mode, { env: { ...stripe.appEnv(), PUBLIC_URL: 'http://gatehouse.test' } });
      key = (await t.deps.admin.apiKeys.create('tests')).key;
      await request(t.app).put('/admin/api/plans').set('Authorization', `Bearer ${key}`).send(plans).expect(200);
    });
    afterAll(async () => {
      await t.close();
      await stripe.stop();
    });

    const deliver = (event: Record<string, unknown>) => stripe.deliver(t.app, event);
    /** Whether the event is in the record of events (applied, ignored or refused). */
    const recorded = async (eventId: string) => (await t.deps.database.db.selectFrom('stripe_events').select('id').where('id', '=', eventId).executeTakeFirst()) !== undefined;
    const decisionFor = async (agent: Agent, slug = 'care-home-contracts') => (await agent.get(`/articles/${slug}`)).headers['x-access-decision'];

    async function subscribe(agent: Agent, priceId = 'price_monthly'): Promise<{ sessionId: string; location: string }> {
      const page = await agent.get('/articles/care-home-contracts');
      const response = await agent.post('/subscribe').type('form').send({ priceId, returnTo: '/articles/care-home-contracts', _csrf: csrfTokenIn(page.text) });
      expect(response.status).toBe(303);
      const location = response.headers.location as string;
      const sessionId = /\/c\/pay\/(cs_test_[A-Za-z0-9_]+)/.exec(location)?.[1];
      if (!sessionId) throw new Error(`not sent to checkout: ${location}`);
      return { sessionId, location };
    }

    /** Signs up, subscribes and pays; returns the reader and their subscription. */
    async function subscriber() {
      const reader = await signUp(t.app);
      const { sessionId } = await subscribe(reader.agent);
      const subscription = stripe.completeCheckout(sessionId);
      await deliver(stripe.event('checkout.session.completed', stripe.checkoutSessionObject(sessionId))).expect(200);
      expect(await decisionFor(reader.agent)).toBe('subscriber');
      return { ...reader, sessionId, subscription };
    }

    it('when a reader on the paywall subscribes, then Checkout, and access at once on return, before any webhook', async () => {
      const { agent, email } = await signUp(t.app);
      const wall = await agent.get('/articles/care-home-contracts');
      expect(wall.headers['x-access-decision']).toBe('paywall');
      expect(wall.text).toContain('Subscribe: Monthly');
      expect(wall.text).toContain('Two months free');
      const { sessionId, location } = await subscribe(agent, 'price_yearly');
      expect(location.startsWith(stripe.url)).toBe(true);
      const created = stripe.requests.find((r) => r.path === '/v1/checkout/sessions' && (r.body.client_reference_id as string) !== undefined && r.body.line_items && (r.body.line_items as any)[0].price === 'price_yearly');
      expect(created?.body).toMatchObject({ mode: 'subscription', success_url: expect.stringContaining('session_id={CHECKOUT_SESSION_ID}'), cancel_url: 'http://gatehouse.test/articles/care-home-contracts' });
      const customer = [...stripe.customers.values()].find((c) => c.email === email)!;
      expect(customer.metadata).toEqual({ accountId: created!.body.client_reference_id });

      stripe.completeCheckout(sessionId);
      const success = await agent.get(`/subscribe/success?returnTo=%2Farticles%2Fcare-home-contracts&session_id=${sessionId}`).expect(200);
      expect(success.text).toContain('Welcome, subscriber');
      expect(await decisionFor(agent)).toBe('subscriber');
      // The webhook arriving afterwards changes nothing.
      expect((await deliver(stripe.event('checkout.session.completed', stripe.checkoutSessionObject(sessionId))).expect(200)).body.outcome).toBe('applied');
      expect(await decisionFor(agent)).toBe('subscriber');
      const account = await agent.get('/account');
      expect(account.text).toContain('Yearly: active');
      expect(account.text).toContain('Manage billing');
      expect((await agent.get('/api/me')).body.entitlement).toBe('subscriber');
    });

    it('when the priceId is not a configured plan, then 400 and Stripe is never called', async () => {
      const { agent } = await signUp(t.app);
      const before = stripe.requests.length;
      const page = await agent.get('/articles/care-home-contracts');
      const response = await agent.post('/subscribe').type('form').send({ priceId: 'price_stolen', _csrf: csrfTokenIn(page.text) });
      expect(response.status).toBe(400);
      expect(response.text).toContain('That plan is not offered');
      expect(stripe.requests.length).toBe(before);
    });

    it('when an anonymous reader picks a plan, then sign-up first, back to the plan page with the plan and article kept, and one click on to Checkout', async () => {
      const agent = request.agent(t.app);
      const back = '/subscribe?priceId=price_monthly&returnTo=%2Farticles%2Fcare-home-contracts';
      const pick = await agent.post('/subscribe').type('form').send({ priceId: 'price_monthly', returnTo: '/articles/care-home-contracts' }).expect(303);
      expect(pick.headers.location).toBe(`/signup?returnTo=${encodeURIComponent(back)}`);
      const signup = await submitForm(agent, pick.headers.location as string, '/signup', { email: newEmail(), password: goodPassword, returnTo: back });
      expect(signup.headers.location).toBe(back);
      const before = stripe.requests.length;
      const page = await agent.get(back).expect(200);
      expect(page.text).toContain('Your choice');
      expect(stripe.requests.length).toBe(before);
      const onward = await agent.post('/subscribe').type('form').send({ priceId: 'price_monthly', returnTo: '/articles/care-home-contracts', _csrf: csrfTokenIn(page.text) }).expect(303);
      expect(onward.headers.location).toMatch(new RegExp(`^${stripe.url}/c/pay/cs_test_`));
    });

    it('when an anonymous reader posts a plan, then 303 to sign-up, and an unknown plan 400, without Stripe', async () => {
      const before = stripe.requests.length;
      const post = await request(t.app).post('/subscribe').type('form').send({ priceId: 'price_monthly', returnTo: '/articles/care-home-contracts' }).expect(303);
      expect(post.headers.location).toBe(`/signup?returnTo=${encodeURIComponent('/subscribe?priceId=price_monthly&returnTo=%2Farticles%2Fcare-home-contracts')}`);
      await request(t.app).post('/subscribe').type('form').send({ priceId: 'price_nope' }).expect(400);
      expect(stripe.requests.length).toBe(before);
    });

    it('when a signed-in reader posts without the CSRF token, then 403 and no checkout', async () => {
      const { agent } = await signUp(t.app);
      const before = stripe.requests.length;
      await agent.post('/subscribe').type('form').send({ priceId: 'price_monthly' }).expect(403);
      expect(stripe.requests.length).toBe(before);
    });

    it('when the reader clicks subscribe twice at once, then one Stripe customer and one stored', async () => {
      const { agent, email } = await signUp(t.app);
      const page = await agent.get('/articles/care-home-contracts');
      const token = csrfTokenIn(page.text);
      const both = await Promise.all([0, 1].map(() => agent.post('/subscribe').type('form').send({ priceId: 'price_monthly', _csrf: token })));
      expect(both.map((r) => r.status)).toEqual([303, 303]);
      expect([...stripe.customers.values()].filter((c) => c.email === email)).toHaveLength(1);
      const account = await t.deps.auth.accountsRepository.findByEmail(email);
      expect(await t.deps.billing.repository.customerOf(account!.id)).toBe([...stripe.customers.values()].find((c) => c.email === email)!.id);
    });

    it('when the same event arrives twice, then the second is a no-op', async () => {
      const { subscription } = await subscriber();
      const event = stripe.event('customer.subscription.updated', subscription);
      expect((await deliver(event).expect(200)).body.outcome).toBe('applied');
      expect((await deliver(event).expect(200)).body.outcome).toBe('duplicate');
      const metrics = await request(t.app).get('/metrics');
      expect(metrics.text).toMatch(/gatehouse_webhook_events_total\{type="customer.subscription.updated",outcome="duplicate"\} [1-9]/);
    });

    it('when updated arrives before created, then the state is still Stripe\'s current one', async () => {
      const { agent } = await signUp(t.app);
      const { sessionId } = await subscribe(agent);
      const subscription = stripe.completeCheckout(sessionId);
      await deliver(stripe.event('customer.subscription.updated', subscription)).expect(200);
      await deliver(stripe.event('customer.subscription.created', subscription)).expect(200);
      expect(await decisionFor(agent)).toBe('subscriber');
    });

    it('when a stale active update arrives after deleted, then the reader stays a non-subscriber', async () => {
      const { agent, subscription } = await subscriber();
      const activeSnapshot = stripe.event('customer.subscription.updated', subscription);
      const deleted = stripe.event('customer.subscription.deleted', stripe.setStatus(subscription.id as string, 'canceled'));
      await deliver(deleted).expect(200);
      expect(await decisionFor(agent)).toBe('paywall');
      expect((await deliver(activeSnapshot).expect(200)).body.outcome).toBe('applied');
      expect(await decisionFor(agent)).toBe('paywall');
      expect((await agent.get('/account')).text).toContain('Monthly: ended');
    });

    it('when the signature is missing, wrong, expired, or the body tampered with, then 400 and nothing applied', async () => {
      const { subscription } = await subscriber();
      const event = stripe.event('customer.subscription.deleted', stripe.setStatus(subscription.id as string, 'canceled'));
      const { body, signature } = stripe.signed(event);
      await request(t.app).post('/webhooks/stripe').set('Content-Type', 'application/json').send(body).expect(400);
      await request(t.app).post('/webhooks/stripe').set('Stripe-Signature', stripe.signed(event, { secret: 'whsec_wrong' }).signature).set('Content-Type', 'application/json').send(body).expect(400);
      const old = stripe.signed(event, { timestamp: Math.floor(Date.now() / 1000) - 3600 });
      await request(t.app).post('/webhooks/stripe').set('Stripe-Signature', old.signature).set('Content-Type', 'application/json').send(old.body).expect(400);
      await request(t.app).post('/webhooks/stripe').set('Stripe-Signature', signature).set('Content-Type', 'application/json').send(body.replace('"canceled"', '"active"  ')).expect(400);
      await request(t.app).post('/webhooks/stripe').set('Stripe-Signature', 'garbage').set('Content-Type', 'text/plain').send('not json').expect(400);
      expect(await recorded(event.id as string)).toBe(false);
    });

    it('when the customer belongs to no account, then 2xx and the event is recorded', async () => {
      const stranger = stripe.createSubscription('cus_stranger', 'price_monthly');
      const event = stripe.event('customer.subscription.created', stranger);
      expect((await deliver(event).expect(200)).body.outcome).toBe('unknown-customer');
      expect((await deliver(stripe.event('charge.refunded', { id: 'ch_1', object: 'charge' })).expect(200)).body.outcome).toBe('ignored');
    });

    it('when a payment fails, then past_due keeps access in the grace period, and an invoice paid keeps it after', async () => {
      const { agent, subscription } = await subscriber();
      const pastDue = stripe.setStatus(subscription.id as string, 'past_due');
      await deliver(stripe.event('invoice.payment_failed', stripe.invoice(pastDue, 'open'))).expect(200);
      expect(await decisionFor(agent)).toBe('subscriber');
      expect((await agent.get('/account')).text).toContain('payment overdue');
      stripe.setStatus(subscription.id as string, 'active');
      await deliver(stripe.event('invoice.paid', stripe.invoice(pastDue, 'paid'))).expect(200);
      expect(await decisionFor(agent)).toBe('subscriber');
    });

    it('when the reader cancels, then every one of their sessions loses access on its next request', async () => {
      const { agent, email, subscription } = await subscriber();
      const second = request.agent(t.app);
      await submitForm(second, '/signin', '/signin', { email, password: goodPassword }).then((r) => expect(r.status).toBe(303));
      expect(await decisionFor(second)).toBe('subscriber');
      const portal = await agent.post('/billing/portal').type('form').send({ _csrf: csrfTokenIn((await agent.get('/account')).text) });
      expect(portal.status).toBe(303);
      expect(portal.headers.location).toMatch(new RegExp(`^${stripe.url}/p/session/`));
      await deliver(stripe.event('customer.subscription.deleted', stripe.setStatus(subscription.id as string, 'canceled'))).expect(200);
      expect(await decisionFor(agent)).toBe('paywall');
      expect(await decisionFor(second)).toBe('paywall');
    });

    it('when Stripe cannot be reached while processing, then 5xx, nothing recorded, and the retry applies it', async () => {
      const { agent, subscription } = await subscriber();
      const event = stripe.event('customer.subscription.deleted', stripe.setStatus(subscription.id as string, 'canceled'));
      stripe.failing = true;
      try {
        const failed = await deliver(event);
        expect(failed.status).toBeGreaterThanOrEqual(500);
      } finally {
        stripe.failing = false;
      }
      expect(await recorded(event.id as string)).toBe(false);
      expect(await decisionFor(agent)).toBe('subscriber');
      expect((await deliver(event).expect(200)).body.outcome).toBe('applied');
      expect(await decisionFor(agent)).toBe('paywall');
    });
  });
}

describe('without Stripe keys', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('embedded');
  });
  afterAll(() => t.close());

  it('when billing is not configured, then pages say so plainly and nothing crashes', async () => {
    const { agent } = await signUp(t.app);
    const wall = await agent.get('/articles/care-home-contracts').expect(200);
    expect(wall.text).toContain('billing has not been set up');
    const page = await agent.get('/subscribe').expect(200);
    expect(page.text).toContain('billing has not been set up');
    const post = await agent.post('/subscribe').type('form').send({ priceId: 'price_monthly', _csrf: csrfTokenIn(wall.text) });
    expect(post.status).toBe(503);
    await request(t.app).post('/webhooks/stripe').set('Stripe-Signature', 't=1,v1=x').send('{}').expect(503);
  });
});

describe('past_due after the grace period', () => {
  let stripe: FakeStripe;
  let t: TestApp;
  beforeAll(async () => {
    stripe = new FakeStripe();
    await stripe.start();
    t = await startTestApp('embedded', { env: { ...stripe.appEnv(), PAST_DUE_GRACE_DAYS: '0' } });
    await t.deps.billing.plans.replace(plans);
  });
  afterAll(async () => {
    await t.close();
    await stripe.stop();
  });

  it('when the grace period has run out, then past_due is no longer a subscriber', async () => {
    const { agent } = await signUp(t.app);
    const page = await agent.get('/articles/care-home-contracts');
    const checkout = await agent.post('/subscribe').type('form').send({ priceId: 'price_monthly', _csrf: csrfTokenIn(page.text) });
    const sessionId = /\/c\/pay\/(cs_test_[A-Za-z0-9_]+)/.exec(checkout.headers.location as string)![1]!;
    const subscription = stripe.completeCheckout(sessionId);
    await stripe.deliver(t.app, stripe.event('customer.subscription.created', subscription)).expect(200);
    expect((await agent.get('/articles/care-home-contracts')).headers['x-access-decision']).toBe('subscriber');
    await stripe.deliver(t.app, stripe.event('customer.subscription.updated', stripe.setStatus(subscription.id as string, 'past_due'))).expect(200);
    expect((await agent.get('/articles/care-home-contracts')).headers['x-access-decision']).toBe('paywall');
  });
});
