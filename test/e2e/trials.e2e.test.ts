import { describeMode, modes, startTestApp, type TestApp } from '../support/test-app';
import { csrfTokenIn, goodPassword, newEmail, signUp, type Agent } from '../support/http';
import { FakeStripe } from '../support/fake-stripe';

/** Two plans with trials, so that two Checkouts of one reader can both carry one whatever the idempotency key. */
const plans = [
  { priceId: 'price_monthly', name: 'Monthly', description: '', trialDays: 14 },
  { priceId: 'price_weekly', name: 'Weekly', description: '', trialDays: 7 },
];
const article = '/articles/care-home-contracts';

/** SPEC section 13: a reader who already had a trial is not offered another. */
for (const mode of modes) {
  describeMode(mode)(`one trial per reader (${mode})`, () => {
    let stripe: FakeStripe;
    let t: TestApp;

    beforeAll(async () => {
      stripe = new FakeStripe();
      await stripe.start();
      t = await startTestApp(mode, { env: { ...stripe.appEnv(), PUBLIC_URL: 'http://gatehouse.test' } });
      await t.deps.billing.plans.replace(plans);
    });
    afterAll(async () => {
      await t?.close();
      await stripe?.stop();
    });

    /** POST /subscribe; the session it was sent to and the parameters the app sent Stripe for it. */
    async function checkout(agent: Agent, priceId: string, returnTo = article): Promise<{ sessionId: string; body: Record<string, any> }> {
      const page = await agent.get('/subscribe');
      const response = await agent.post('/subscribe').type('form').send({ priceId, returnTo, _csrf: csrfTokenIn(page.text) });
      expect(response.status).toBe(303);
      const sessionId = /\/c\/pay\/(cs_test_[A-Za-z0-9_]+)/.exec(response.headers.location as string)?.[1];
      if (!sessionId) throw new Error(`not sent to checkout: ${response.headers.location}`);
      const created = stripe.requests.filter((r) => r.method === 'POST' && r.path === '/v1/checkout/sessions' && (r.body.line_items as any)?.[0]?.price === priceId);
      return { sessionId, body: created[created.length - 1]!.body };
    }

    async function deleteAccount(agent: Agent): Promise<void> {
      const form = await agent.get('/account/delete').expect(200);
      await agent.post('/account/delete').type('form').send({ password: goodPassword, _csrf: csrfTokenIn(form.text) }).expect(200);
    }

    it('when a reader who had a trial deletes the account and signs up again with the same email, then no trial; the claim keeps no email in clear', async () => {
      const first = await signUp(t.app);
      const trial = await checkout(first.agent, 'price_monthly');
      expect(trial.body.subscription_data).toMatchObject({ trial_period_days: '14' });
      stripe.completeCheckout(trial.sessionId, 'trialing');
      // The return from Checkout applies it (and claims the trial); the path comes back from the reader's session.
      const back = await first.agent.get(`/subscribe/success?session_id=${trial.sessionId}`).expect(200);
      expect(back.text).toContain(`href="${article}"`);
      await deleteAccount(first.agent);
      expect(await t.deps.database.db.selectFrom('subscriptions').select('id').where('customer_id', '=', trial.body.customer as string).execute()).toEqual([]);
      const claims = await t.deps.database.db.selectFrom('trial_claims').selectAll().execute();
      expect(claims.length).toBeGreaterThanOrEqual(2);
      expect(JSON.stringify(claims)).not.toContain(first.email);

      // Same email, any case: the same reader.
      const again = await signUp(t.app, first.email.toUpperCase());
      const second = await checkout(again.agent, 'price_monthly');
      expect(second.body.subscription_data).not.toHaveProperty('trial_period_days');
      expect((await again.agent.get('/subscribe').expect(200)).text).not.toContain('Free for 14 days');
    });

    it('when a new account has another email, then it is a new reader, offered the trial (nothing ties it to the first)', async () => {
      const first = await signUp(t.app);
      const trial = await checkout(first.agent, 'price_monthly');
      stripe.completeCheckout(trial.sessionId, 'trialing');
      await first.agent.get(`/subscribe/success?session_id=${trial.sessionId}`).expect(200);
      await deleteAccount(first.agent);
      const other = await signUp(t.app, newEmail());
      expect((await checkout(other.agent, 'price_monthly')).body.subscription_data).toMatchObject({ trial_period_days: '14' });
    });

    it('when one plan is asked for from two articles at once, then one trial session, expiring within the hour, with no return path in it', async () => {
      const { agent } = await signUp(t.app);
      const before = Math.floor(Date.now() / 1000);
      const [a, b] = await Promise.all([checkout(agent, 'price_monthly', '/articles/a'), checkout(agent, 'price_monthly', '/articles/b')]);
      expect(b.sessionId).toBe(a.sessionId);
      expect(a.body.success_url).toBe('http://gatehouse.test/subscribe/success?session_id={CHECKOUT_SESSION_ID}');
      const expiresAt = Number(a.body.expires_at);
      expect(expiresAt).toBeGreaterThanOrEqual(before + 31 * 60);
      expect(expiresAt).toBeLessThanOrEqual(before + 61 * 60 + 1);
      expect(stripe.sessions.get(a.sessionId)!.expires_at).toBe(expiresAt);
    });

    it('when two Checkouts with a trial are paid and applied at once, then exactly one trial keeps running and the other is ended at Stripe', async () => {
      const { agent, email } = await signUp(t.app);
      const [monthly, weekly] = await Promise.all([checkout(agent, 'price_monthly'), checkout(agent, 'price_weekly')]);
      expect(monthly.body.subscription_data).toMatchObject({ trial_period_days: '14' });
      expect(weekly.body.subscription_data).toMatchObject({ trial_period_days: '7' });
      const subscriptions = [stripe.completeCheckout(monthly.sessionId, 'trialing'), stripe.completeCheckout(weekly.sessionId, 'trialing')];
      const outcomes = await Promise.all([monthly, weekly].map((c) => stripe.deliver(t.app, stripe.event('checkout.session.completed', stripe.checkoutSessionObject(c.sessionId))).expect(200)));
      expect(outcomes.map((o) => o.body.outcome)).toEqual(['applied', 'applied']);
      const statuses = () => subscriptions.map((s) => stripe.subscriptions.get(s.id as string)!.status).sort();
      expect(statuses()).toEqual(['active', 'trialing']);
      const updates = stripe.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/v1/subscriptions/'));
      expect(updates.map((r) => r.body)).toEqual([{ trial_end: 'now' }]);

      // Stripe tells of the ended trial; every later event for either changes nothing of that.
      const ended = subscriptions.find((s) => stripe.subscriptions.get(s.id as string)!.status === 'active')!;
      const kept = subscriptions.find((s) => s !== ended)!;
      await stripe.deliver(t.app, stripe.event('customer.subscription.updated', stripe.subscriptions.get(ended.id as string)!)).expect(200);
      await stripe.deliver(t.app, stripe.event('customer.subscription.updated', stripe.subscriptions.get(kept.id as string)!)).expect(200);
      expect(statuses()).toEqual(['active', 'trialing']);
      expect(stripe.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/v1/subscriptions/'))).toHaveLength(1);
      const account = (await t.deps.auth.accountsRepository.findByEmail(email))!;
      expect(await t.deps.billing.repository.hadTrial(account.id)).toBe(true);
    });
  });
}
