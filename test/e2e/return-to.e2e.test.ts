import request from 'supertest';
import { describeMode, modes, startTestApp, type TestApp } from '../support/test-app';
import { csrfTokenIn, goodPassword, newEmail, signUp, submitForm } from '../support/http';
import { FakeStripe } from '../support/fake-stripe';

// Each of these collapses into //evil.example once its dot segments are resolved.
const attacks = ['/.//evil.example/x', '/..//evil.example/x', '/a/..//evil.example/x', '/%2e//evil.example/x', '/./\\evil.example/x'];

/** A Location (or URL) that would leave the site. */
function leavesSite(location: string | undefined, site = 'http://gatehouse.test'): boolean {
  if (location === undefined) return false;
  return new URL(location, site).host !== new URL(site).host;
}

for (const mode of modes) {
  describeMode(mode)(`returnTo never leaves the site (${mode})`, () => {
    let t: TestApp;
    let stripe: FakeStripe;

    beforeAll(async () => {
      stripe = new FakeStripe();
      await stripe.start();
      t = await startTestApp(mode, { env: { ...stripe.appEnv(), PUBLIC_URL: 'http://gatehouse.test' } });
      const key = (await t.deps.admin.apiKeys.create('tests')).key;
      await request(t.app).put('/admin/api/plans').set('Authorization', `Bearer ${key}`).send([{ priceId: 'price_monthly', name: 'Monthly' }]).expect(200);
    });
    afterAll(async () => {
      await t.close();
      await stripe.stop();
    });

    it.each(attacks)('when sign-up is posted with returnTo=%j, then the reader lands on this site', async (returnTo) => {
      const agent = request.agent(t.app);
      const response = await submitForm(agent, '/signup', '/signup', { email: newEmail(), password: goodPassword, returnTo });
      expect(response.status).toBe(303);
      expect(leavesSite(response.headers.location)).toBe(false);
      expect(response.headers.location).toBe('/');
    });

    it.each(attacks)('when sign-in is posted with returnTo=%j, then the reader lands on this site', async (returnTo) => {
      const { email } = await signUp(t.app);
      const agent = request.agent(t.app);
      const response = await submitForm(agent, '/signin', '/signin', { email, password: goodPassword, returnTo });
      expect(response.status).toBe(303);
      expect(response.headers.location).toBe('/');
    });

    it.each(attacks)('when a signed-in reader opens the sign-in and sign-up pages with returnTo=%j, then the redirect stays here', async (returnTo) => {
      const { agent } = await signUp(t.app);
      for (const page of ['/signin', '/signup']) {
        const response = await agent.get(`${page}?returnTo=${encodeURIComponent(returnTo)}`).expect(303);
        expect(response.headers.location).toBe('/');
      }
    });

    it.each(attacks)('when new terms are accepted with returnTo=%j, then the reader lands on this site', async (returnTo) => {
      const { agent } = await signUp(t.app);
      const version = `v-${Math.random().toString(36).slice(2, 10)}`;
      await t.deps.consent.service.publish({ document: 'terms', version, body: 'New terms.', effectiveAt: new Date(Date.now() - 1000).toISOString() });
      const interstitial = await agent.get('/articles/harbour-bridge-reopens').expect(200);
      const response = await agent.post('/policies/accept').type('form').send({ terms: version, returnTo, _csrf: csrfTokenIn(interstitial.text) });
      expect(response.status).toBe(303);
      expect(response.headers.location).toBe('/');
    });

    it.each(attacks)('when a reader subscribes with returnTo=%j, then Stripe is given success and cancel URLs on this site', async (returnTo) => {
      const { agent } = await signUp(t.app);
      const page = await agent.get('/account');
      const response = await agent.post('/subscribe').type('form').send({ priceId: 'price_monthly', returnTo, _csrf: csrfTokenIn(page.text) });
      expect(response.status).toBe(303);
      const sessionId = /\/c\/pay\/(cs_test_[A-Za-z0-9_]+)/.exec(response.headers.location as string)?.[1];
      const session = stripe.sessions.get(sessionId!)!;
      expect(leavesSite(session.cancel_url as string)).toBe(false);
      expect(new URL(session.cancel_url as string).pathname).toBe('/');
      const success = new URL((session.success_url as string).replace('{CHECKOUT_SESSION_ID}', 'cs_x'));
      expect(success.host).toBe('gatehouse.test');
      expect(success.searchParams.get('returnTo')).toBe('/');
    });
  });
}
