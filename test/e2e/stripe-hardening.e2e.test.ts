import request from 'supertest';
import { sql } from 'kysely';
import { describeMode, modes, startTestApp, type TestApp } from '../support/test-app';
import { csrfTokenIn, signUp, type Agent } from '../support/http';
import { FakeStripe } from '../support/fake-stripe';
import { InProcessSubscriptionLock } from '../../src/billing/subscription-lock';

const plans = [
  { priceId: 'price_monthly', name: 'Monthly', description: 'Every article, billed monthly' },
  { priceId: 'price_yearly', name: 'Yearly', description: 'Two months free' },
];

/** Resolves when `condition` holds; checks again every few ms until then, or until stopped. */
function until(condition: () => Promise<boolean>): { reached: Promise<void>; stop: () => void } {
  let stopped = false;
  const reached = (async () => {
    while (!stopped && !(await condition())) await new Promise((resolve) => setTimeout(resolve, 5));
  })();
  return { reached, stop: () => (stopped = true) };
}

for (const mode of modes) {
  describeMode(mode)(`Stripe hardening (${mode})`, () => {
    let stripe: FakeStripe;
    let t: TestApp;

    beforeAll(async () => {
      stripe = new FakeStripe();
      await stripe.start();
      t = await startTestApp(mode, { env: { ...stripe.appEnv(), PUBLIC_URL: 'http://gatehouse.test' } });
      await t.deps.billing.plans.replace(plans);
    });
    afterAll(async () => {
      await t.close();
      await stripe.stop();
    });

    const deliver = (event: Record<string, unknown>) => stripe.deliver(t.app, event);
    const decisionFor = async (agent: Agent) => (await agent.get('/articles/care-home-contracts')).headers['x-access-decision'];
    const accountIdOf = async (email: string) => (await t.deps.auth.accountsRepository.findByEmail(email))!.id;

    async function checkout(agent: Agent, priceId = 'price_monthly') {
      const page = await agent.get('/subscribe');
      return agent.post('/subscribe').type('form').send({ priceId, returnTo: '/articles/care-home-contracts', _csrf: csrfTokenIn(page.text) });
    }

    async function subscriber() {
      const reader = await signUp(t.app);
      const started = await checkout(reader.agent);
      const sessionId = /\/c\/pay\/(cs_test_[A-Za-z0-9_]+)/.exec(started.headers.location as string)![1]!;
      const subscription = stripe.completeCheckout(sessionId);
      await deliver(stripe.event('checkout.session.completed', stripe.checkoutSessionObject(sessionId))).expect(200);
      expect(await decisionFor(reader.agent)).toBe('subscriber');
      return { ...reader, sessionId, subscription, accountId: await accountIdOf(reader.email) };
    }

    /** Someone waits for this subscription's lock (held by another request). */
    async function lockIsContended(subscriptionId: string): Promise<boolean> {
      if (t.deps.billing.subscriptionLock instanceof InProcessSubscriptionLock) return t.deps.billing.subscriptionLock.holders(subscriptionId) > 1;
      // Each test app has its own database: a waiting advisory lock in it is this one.
      const { rows } = await sql<{ waiting: number }>`select count(*)::int as waiting from pg_locks where locktype = 'advisory' and not granted and database = (select oid from pg_database where datname = current_database())`.execute(t.deps.database.db);
      return rows[0]!.waiting > 0;
    }

    it('when an updated event\'s Stripe read is held while the subscription is canceled and deleted is delivered, then it ends canceled with no entitlement', async () => {
      const { agent, subscription, accountId } = await subscriber();
      const id = subscription.id as string;
      const hold = stripe.holdNextRetrieve(id);
      const updated = Promise.resolve(deliver(stripe.event('customer.subscription.updated', subscription)));
      await hold.arrived;
      const deleted = Promise.resolve(deliver(stripe.event('customer.subscription.deleted', stripe.setStatus(id, 'canceled'))));
      // Without a lock the deleted event applies at once; with one it waits for the held read.
      const contended = until(() => lockIsContended(id));
      await Promise.race([deleted, contended.reached]);
      contended.stop();
      hold.release();
      const [first, second] = await Promise.all([updated, deleted]);
      expect([first.status, second.status]).toEqual([200, 200]);
      expect([first.body.outcome, second.body.outcome]).toEqual(['applied', 'applied']);
      const row = await t.deps.database.db.selectFrom('subscriptions').select('status').where('id', '=', id).executeTakeFirstOrThrow();
      expect(row.status).toBe('canceled');
      expect(await t.deps.meter.entitlements.entitlementOf(accountId, new Date())).toBe('none');
      expect(await decisionFor(agent)).toBe('paywall');
    });

    it('when both of an account\'s subscriptions are canceled at the same moment, then the account is left with no entitlement', async () => {
      const { agent, email } = await signUp(t.app);
      const accountId = await accountIdOf(email);
      const customer = FakeStripe.id('cus');
      const first = stripe.createSubscription(customer, 'price_monthly', 'active', { accountId });
      const second = stripe.createSubscription(customer, 'price_yearly', 'active', { accountId });
      await deliver(stripe.event('customer.subscription.created', first)).expect(200);
      await deliver(stripe.event('customer.subscription.created', second)).expect(200);
      expect(await decisionFor(agent)).toBe('subscriber');
      // Both reads are held, then let go together, so that the two writes run side by side.
      const holds = [stripe.holdNextRetrieve(first.id as string), stripe.holdNextRetrieve(second.id as string)];
      const deliveries = [first, second].map((s) => Promise.resolve(deliver(stripe.event('customer.subscription.deleted', stripe.setStatus(s.id as string, 'canceled')))));
      await Promise.all(holds.map((h) => h.arrived));
      for (const hold of holds) hold.release();
      const answers = await Promise.all(deliveries);
      expect(answers.map((a) => a.status)).toEqual([200, 200]);
      expect(await t.deps.meter.entitlements.entitlementOf(accountId, new Date())).toBe('none');
      expect(await decisionFor(agent)).toBe('paywall');
    });

    it("when two events at once each name the other's customer (as only a hand-made event would), then each applies to its subscription's own account, with no deadlock", async () => {
      const [a, b] = [await subscriber(), await subscriber()];
      const [idA, idB] = [a.subscription.id as string, b.subscription.id as string];
      const [customerA, customerB] = [a.subscription.customer as string, b.subscription.customer as string];
      // Each event is signed and names its subscription, but the other reader's customer and no account.
      const swapped = (subscription: Record<string, unknown>, customer: string) => ({ ...subscription, customer, metadata: {} });
      const holds = [stripe.holdNextRetrieve(idA), stripe.holdNextRetrieve(idB)];
      const deliveries = [
        Promise.resolve(deliver(stripe.event('customer.subscription.deleted', swapped(stripe.setStatus(idA, 'canceled'), customerB)))),
        Promise.resolve(deliver(stripe.event('customer.subscription.deleted', swapped(stripe.setStatus(idB, 'canceled'), customerA)))),
      ];
      // Both hold their locks (and the account each event named) while Stripe is asked; then both go on.
      await Promise.all(holds.map((h) => h.arrived));
      for (const hold of holds) hold.release();
      const answers = await Promise.all(deliveries);
      expect(answers.map((r) => [r.status, r.body.outcome])).toEqual([[200, 'applied'], [200, 'applied']]);
      const owners = await t.deps.database.db.selectFrom('subscriptions').select(['id', 'account_id', 'status']).where('id', 'in', [idA, idB]).orderBy('id').execute();
      expect(owners).toEqual([{ id: idA, account_id: a.accountId, status: 'canceled' }, { id: idB, account_id: b.accountId, status: 'canceled' }].sort((x, y) => (x.id < y.id ? -1 : 1)));
      expect([await decisionFor(a.agent), await decisionFor(b.agent)]).toEqual(['paywall', 'paywall']);
    });

    it("when a new customer's first event is waiting for Stripe and another event naming another account queues behind it, then the subscription stays with the customer's owner", async () => {
      const first = await signUp(t.app);
      const other = await signUp(t.app);
      const [firstId, otherId] = [await accountIdOf(first.email), await accountIdOf(other.email)];
      // A customer Gatehouse has no row for yet: its first event makes first's account its owner.
      const subscription = stripe.createSubscription(FakeStripe.id('cus'), 'price_monthly', 'active', { accountId: firstId });
      const id = subscription.id as string;
      const hold = stripe.holdNextRetrieve(id);
      const created = Promise.resolve(deliver(stripe.event('customer.subscription.created', subscription)));
      await hold.arrived;
      // Signed, for the same subscription and customer, but naming the other reader (metadata edited at Stripe, or hand-made).
      const updated = Promise.resolve(deliver(stripe.event('customer.subscription.updated', { ...subscription, metadata: { accountId: otherId } })));
      const contended = until(() => lockIsContended(id));
      await Promise.race([updated, contended.reached]);
      contended.stop();
      hold.release();
      const answers = await Promise.all([created, updated]);
      expect(answers.map((r) => [r.status, r.body.outcome])).toEqual([[200, 'applied'], [200, 'applied']]);
      const row = await t.deps.database.db.selectFrom('subscriptions').select('account_id').where('id', '=', id).executeTakeFirstOrThrow();
      expect(row.account_id).toBe(firstId);
      expect([await decisionFor(first.agent), await decisionFor(other.agent)]).toEqual(['subscriber', 'paywall']);
    });

    it('when a reader clicks subscribe twice at once, then both clicks get the same Checkout Session', async () => {
      const { agent } = await signUp(t.app);
      const page = await agent.get('/subscribe');
      const token = csrfTokenIn(page.text);
      const clicks = await Promise.all([0, 1].map(() => agent.post('/subscribe').type('form').send({ priceId: 'price_monthly', returnTo: '/articles/care-home-contracts', _csrf: token })));
      expect(clicks.map((c) => c.status)).toEqual([303, 303]);
      expect(clicks[0]!.headers.location).toMatch(/\/c\/pay\/cs_test_/);
      expect(clicks[1]!.headers.location).toBe(clicks[0]!.headers.location);
    });

    it('when one event is delivered twice at once, then it is applied once and the other answer is duplicate', async () => {
      const { subscription } = await subscriber();
      const event = stripe.event('customer.subscription.updated', subscription);
      const answers = await Promise.all([deliver(event), deliver(event)]);
      expect(answers.map((a) => a.status)).toEqual([200, 200]);
      expect(answers.map((a) => a.body.outcome).sort()).toEqual(['applied', 'duplicate']);
      expect(await t.deps.database.db.selectFrom('stripe_events').select('id').where('id', '=', event.id as string).execute()).toHaveLength(1);
    });

    it('when an account has an active subscription to a price that is not a configured plan, then no entitlement; one to a plan entitles', async () => {
      const { agent, email } = await signUp(t.app);
      const accountId = await accountIdOf(email);
      const customer = FakeStripe.id('cus');
      const other = stripe.createSubscription(customer, 'price_other_product', 'active', { accountId });
      expect((await deliver(stripe.event('customer.subscription.created', other)).expect(200)).body.outcome).toBe('applied');
      expect(await t.deps.meter.entitlements.entitlementOf(accountId, new Date())).toBe('none');
      expect(await decisionFor(agent)).toBe('paywall');
      const plan = stripe.createSubscription(customer, 'price_yearly', 'active', { accountId });
      await deliver(stripe.event('customer.subscription.created', plan)).expect(200);
      expect(await decisionFor(agent)).toBe('subscriber');
    });

    it('when a signed-in reader opens GET /subscribe?priceId=, then a page whose button posts with the CSRF token, the plan chosen, and no Stripe call', async () => {
      const { agent, email } = await signUp(t.app);
      const before = stripe.requests.length;
      const page = await agent.get('/subscribe?priceId=price_yearly&returnTo=%2Farticles%2Fcare-home-contracts').expect(200);
      expect(stripe.requests.length).toBe(before);
      expect(await t.deps.billing.repository.customerOf(await accountIdOf(email))).toBeUndefined();
      expect(page.text).toMatch(/<li class="plan plan--selected" aria-current="true">\s*<h3 class="plan__name">Yearly<\/h3>/);
      expect(page.text).toMatch(/<form method="post" action="\/subscribe">\s*<input type="hidden" name="_csrf" value="[^"]+">\s*<input type="hidden" name="priceId" value="price_yearly">/);
      const onward = await agent.post('/subscribe').type('form').send({ priceId: 'price_yearly', returnTo: '/articles/care-home-contracts', _csrf: csrfTokenIn(page.text) }).expect(303);
      expect(onward.headers.location).toMatch(new RegExp(`^${stripe.url}/c/pay/cs_test_`));
    });

    it('when an anonymous reader opens GET /subscribe?priceId=, then the page only, with a button that posts', async () => {
      const before = stripe.requests.length;
      const page = await request(t.app).get('/subscribe?priceId=price_monthly').expect(200);
      expect(page.text).toContain('Your choice');
      expect(page.text).toMatch(/<form method="post" action="\/subscribe">\s*<input type="hidden" name="priceId" value="price_monthly">/);
      expect(stripe.requests.length).toBe(before);
    });

    it('when a subscriber posts /subscribe again, then 409 pointing to the account page, and no Stripe call', async () => {
      const { agent } = await subscriber();
      const page = await agent.get('/subscribe').expect(200);
      expect(page.text).toContain('You already have a subscription');
      expect(page.text).not.toContain('action="/subscribe"');
      const before = stripe.requests.length;
      const again = await agent.post('/subscribe').type('form').send({ priceId: 'price_yearly', _csrf: csrfTokenIn(page.text) });
      expect(again.status).toBe(409);
      expect(again.text).toContain('You already have a subscription');
      expect(again.text).toContain('/account');
      expect(stripe.requests.length).toBe(before);
    });

    it('when a reader asks for Checkout more than 10 times, then 429 with Retry-After and a readable page, also on the return page and the portal, without Stripe', async () => {
      const { agent } = await signUp(t.app);
      const token = csrfTokenIn((await agent.get('/subscribe')).text);
      const send = () => agent.post('/subscribe').type('form').send({ priceId: 'price_monthly', _csrf: token });
      const statuses: number[] = [];
      for (let i = 0; i < 10; i += 1) statuses.push((await send()).status);
      expect(statuses).toEqual(Array(10).fill(303));
      const before = stripe.requests.length;
      const refused = await send();
      expect(refused.status).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(refused.text).toContain('Too many payment requests');
      expect((await agent.get('/subscribe/success?session_id=cs_test_any')).status).toBe(429);
      expect((await agent.post('/billing/portal').type('form').send({ _csrf: token })).status).toBe(429);
      expect(stripe.requests.length).toBe(before);
    });

    it('when a reader reloads the Checkout return page more than 10 times, then 429', async () => {
      const { agent } = await signUp(t.app);
      const sessionId = /\/c\/pay\/(cs_test_[A-Za-z0-9_]+)/.exec((await checkout(agent)).headers.location as string)![1]!;
      const statuses: number[] = [];
      for (let i = 0; i < 10; i += 1) statuses.push((await agent.get(`/subscribe/success?session_id=${sessionId}`)).status);
      expect(statuses).toEqual([...Array(9).fill(200), 429]);
      expect((await agent.get(`/subscribe/success?session_id=${sessionId}`)).headers['retry-after']).toBeDefined();
    });

    it('when a subscriber opens the billing portal more than 10 times, then 429', async () => {
      const { agent } = await subscriber();
      const token = csrfTokenIn((await agent.get('/account')).text);
      const statuses: number[] = [];
      // The Checkout spent one of the ten.
      for (let i = 0; i < 10; i += 1) statuses.push((await agent.post('/billing/portal').type('form').send({ _csrf: token })).status);
      expect(statuses).toEqual([...Array(9).fill(303), 429]);
    });

    it('when the Checkout return page names a session Stripe does not know, then 404, not a 5xx', async () => {
      const { agent } = await signUp(t.app);
      const response = await agent.get('/subscribe/success?session_id=cs_test_unknown');
      expect(response.status).toBe(404);
      expect(response.text).toContain('There is no checkout of yours');
    });
  });
}
