import { startTestApp, type TestApp } from '../support/test-app';
import { csrfTokenIn, signUp } from '../support/http';
import { FakeStripe } from '../support/fake-stripe';

const plans = [{ priceId: 'price_monthly', name: 'Monthly', description: 'Every article, billed monthly' }];

describe('when Stripe cannot be reached as a reader subscribes', () => {
  let stripe: FakeStripe;
  let t: TestApp;

  beforeAll(async () => {
    stripe = new FakeStripe();
    await stripe.start();
    t = await startTestApp('embedded', { env: { ...stripe.appEnv() } });
    await t.deps.billing.plans.replace(plans);
    // Stripe goes away after the plans are set: Checkout cannot be started.
    await stripe.stop();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('then the reader gets a readable 502 that leads back to the article, and nothing changed', async () => {
    const { agent } = await signUp(t.app);
    const page = await agent.get('/subscribe');
    const failed = await agent.post('/subscribe').type('form').send({ priceId: 'price_monthly', returnTo: '/articles/care-home-contracts', _csrf: csrfTokenIn(page.text) });
    expect(failed.status).toBe(502);
    expect(failed.text).toContain('Our payment provider could not be reached, so nothing was changed.');
    expect(failed.text).toContain('<a class="button" href="/articles/care-home-contracts">Back to where you were</a>');
    expect((await agent.get('/api/me').expect(200)).body.entitlement).toBe('none');
  });

  it('then a return address elsewhere is not offered as the way back', async () => {
    const { agent } = await signUp(t.app);
    const page = await agent.get('/subscribe');
    const failed = await agent.post('/subscribe').type('form').send({ priceId: 'price_monthly', returnTo: 'https://evil.example/', _csrf: csrfTokenIn(page.text) });
    expect(failed.status).toBe(502);
    expect(failed.text).not.toContain('evil.example');
  });
});
