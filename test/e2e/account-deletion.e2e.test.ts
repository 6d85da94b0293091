import request from 'supertest';
import { describeMode, modes, startTestApp, type TestApp } from '../support/test-app';
import { csrfTokenIn, goodPassword, signUp, submitForm } from '../support/http';
import { FakeStripe } from '../support/fake-stripe';
import { erasedAccountRef } from '../../src/account/account-deletion';


for (const mode of modes) {
  describeMode(mode)(`account deletion (${mode})`, () => {
    let stripe: FakeStripe;
    let t: TestApp;
    beforeAll(async () => {
      stripe = new FakeStripe();
      await stripe.start();
      t = await startTestApp(mode, { env: { ...stripe.appEnv() } });
      await t.deps.billing.plans.replace([{ priceId: 'price_monthly', name: 'Monthly', description: '' }]);
    });
    afterAll(async () => {
      await t.close();
      await stripe.stop();
    });

    async function subscribedReader() {
      const reader = await signUp(t.app);
      await reader.agent.get('/articles/harbour-bridge-reopens');
      const page = await reader.agent.get('/articles/care-home-contracts');
      const checkout = await reader.agent.post('/subscribe').type('form').send({ priceId: 'price_monthly', _csrf: csrfTokenIn(page.text) });
      const sessionId = /\/c\/pay\/(cs_test_[A-Za-z0-9_]+)/.exec(checkout.headers.location as string)![1]!;
      const subscription = stripe.completeCheckout(sessionId);
      await reader.agent.get(`/subscribe/success?session_id=${sessionId}`).expect(200);
      const account = (await t.deps.auth.accountsRepository.findByEmail(reader.email))!;
      return { ...reader, account, subscription };
    }

    it('when a subscriber deletes their account, then Stripe cancels, data is erased, consent kept under a hash, sessions end, and the email is free', async () => {
      const { agent, email, account, subscription } = await subscribedReader();
      const other = request.agent(t.app);
      await submitForm(other, '/signin', '/signin', { email, password: goodPassword }, { 'X-Forwarded-For': '198.51.100.60' });
      const form = await agent.get('/account/delete').expect(200);
      const wrong = await agent.post('/account/delete').type('form').send({ password: 'not my password', _csrf: csrfTokenIn(form.text) });
      expect(wrong.status).toBe(400);
      expect(await t.deps.auth.accountsRepository.findByEmail(email)).toBeDefined();

      const done = await agent.post('/account/delete').type('form').send({ password: goodPassword, _csrf: csrfTokenIn(form.text) }).expect(200);
      expect(done.text).toContain('Your account has been deleted');
      expect(stripe.subscriptions.get(subscription.id as string)?.status).toBe('canceled');
      expect(await t.deps.auth.accountsRepository.findByEmail(email)).toBeUndefined();
      const db = t.deps.database.db;
      expect(await db.selectFrom('consents').select('id').where('account_id', '=', account.id).execute()).toEqual([]);
      const kept = await db.selectFrom('consents').select(['document', 'method']).where('account_id', '=', erasedAccountRef(account.id)).execute();
      expect(kept.map((c) => `${c.document}/${c.method}`).sort()).toEqual(['privacy/signup', 'terms/signup']);
      expect(await db.selectFrom('subscriptions').select('id').where('account_id', '=', account.id).execute()).toEqual([]);
      expect(await t.deps.billing.repository.customerOf(account.id)).toBeUndefined();
      await agent.get('/account').expect(303);
      await other.get('/account').expect(303);

      const again = await signUp(t.app, email);
      const me = await again.agent.get('/api/me').expect(200);
      expect(me.body).toMatchObject({ signedIn: true, email, entitlement: 'none', meter: { used: 0 } });
    });

    async function billingRowsOf(accountId: string) {
      const db = t.deps.database.db;
      return {
        customers: await db.selectFrom('billing_customers').select('customer_id').where('account_id', '=', accountId).execute(),
        subscriptions: await db.selectFrom('subscriptions').select('id').where('account_id', '=', accountId).execute(),
        entitlements: await db.selectFrom('entitlements').select('status').where('account_id', '=', accountId).execute(),
      };
    }

    it('when a deleted account\'s subscription sends its deleted and invoice.paid events, then they are recorded as account-gone and no billing row comes back', async () => {
      const { agent, account, subscription } = await subscribedReader();
      const customer = subscription.customer as string;
      const form = await agent.get('/account/delete');
      await agent.post('/account/delete').type('form').send({ password: goodPassword, _csrf: csrfTokenIn(form.text) }).expect(200);
      expect(stripe.deletedCustomers.has(customer)).toBe(true);

      const deleted = stripe.event('customer.subscription.deleted', stripe.subscriptions.get(subscription.id as string)!);
      const paid = stripe.event('invoice.paid', stripe.invoice(subscription, 'paid'));
      expect((await stripe.deliver(t.app, deleted).expect(200)).body.outcome).toBe('account-gone');
      expect((await stripe.deliver(t.app, paid).expect(200)).body.outcome).toBe('account-gone');
      expect((await stripe.deliver(t.app, paid).expect(200)).body.outcome).toBe('duplicate');
      expect(await billingRowsOf(account.id)).toEqual({ customers: [], subscriptions: [], entitlements: [] });
      const recorded = await t.deps.database.db.selectFrom('stripe_events').select('outcome').where('id', 'in', [deleted.id as string, paid.id as string]).execute();
      expect(recorded.map((e) => e.outcome)).toEqual(['account-gone', 'account-gone']);
    });

    it('when the customer has a live subscription at Stripe that no webhook told us of, then deletion cancels it too and deletes the customer', async () => {
      const { agent, account, subscription } = await subscribedReader();
      const customer = subscription.customer as string;
      const unseen = stripe.createSubscription(customer, 'price_monthly', 'trialing', { accountId: account.id });
      const ended = stripe.createSubscription(customer, 'price_monthly', 'canceled', { accountId: account.id });
      const form = await agent.get('/account/delete');
      await agent.post('/account/delete').type('form').send({ password: goodPassword, _csrf: csrfTokenIn(form.text) }).expect(200);
      const cancels = stripe.requests.filter((r) => r.method === 'DELETE' && r.path.startsWith('/v1/subscriptions/')).map((r) => r.path);
      expect(cancels).toEqual(expect.arrayContaining([`/v1/subscriptions/${subscription.id as string}`, `/v1/subscriptions/${unseen.id as string}`]));
      expect(cancels).not.toContain(`/v1/subscriptions/${ended.id as string}`);
      expect(stripe.subscriptions.get(unseen.id as string)?.status).toBe('canceled');
      expect(stripe.requests.some((r) => r.method === 'DELETE' && r.path === `/v1/customers/${customer}`)).toBe(true);
      expect(stripe.deletedCustomers.has(customer)).toBe(true);
      // Its webhook, arriving now, changes nothing either.
      expect((await stripe.deliver(t.app, stripe.event('customer.subscription.deleted', stripe.subscriptions.get(unseen.id as string)!)).expect(200)).body.outcome).toBe('account-gone');
      expect(await billingRowsOf(account.id)).toEqual({ customers: [], subscriptions: [], entitlements: [] });
    });

    it('when Stripe cannot be reached, then nothing is deleted', async () => {
      const { agent, email } = await subscribedReader();
      const form = await agent.get('/account/delete');
      stripe.failing = true;
      try {
        const response = await agent.post('/account/delete').type('form').send({ password: goodPassword, _csrf: csrfTokenIn(form.text) });
        expect(response.status).toBe(502);
        expect(response.text).toContain('nothing was changed');
      } finally {
        stripe.failing = false;
      }
      expect(await t.deps.auth.accountsRepository.findByEmail(email)).toBeDefined();
      await agent.get('/account').expect(200);
    });
  });
}
