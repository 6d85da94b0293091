import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express, RequestHandler } from 'express';
import request from 'supertest';
import { describeMode, modes, startTestApp, type TestApp } from '../support/test-app';
import { csrfTokenIn, signUp, type Agent } from '../support/http';
import { FakeStripe } from '../support/fake-stripe';
import { StripeDevServer } from '../../src/cli/stripe-dev/stripe-dev.server';

const plans = [
  { priceId: 'price_monthly', name: 'Monthly', description: 'Every article, billed monthly', trialDays: 14, allowPromotionCodes: true },
  { priceId: 'price_yearly', name: 'Yearly', description: 'Two months free', highlighted: true },
];
const article = '/articles/care-home-contracts';

/** The plans each render was given, as JSON: what the views see. */
function captureRenders(app: Express): { view: string; plans: unknown }[] {
  const seen: { view: string; plans: unknown }[] = [];
  const render = app.render.bind(app);
  app.render = ((view: string, options: Record<string, unknown>, callback: (error: Error | null, html?: string) => void) => {
    if ('plans' in options) seen.push({ view, plans: JSON.parse(JSON.stringify(options.plans)) });
    return render(view, options, callback);
  }) as Express['render'];
  return seen;
}

/** The plans the view `view` was given on the last render of it. */
function lastPlans(seen: { view: string; plans: unknown }[], view: string): Record<string, unknown>[] {
  const found = [...seen].reverse().find((r) => r.view === view);
  if (found === undefined) throw new Error(`no render of ${view}`);
  return found.plans as Record<string, unknown>[];
}

const stripeEnv = (url: string, stripe: { secretKey: string; webhookSecret: string }) => ({ STRIPE_SECRET_KEY: stripe.secretKey, STRIPE_WEBHOOK_SECRET: stripe.webhookSecret, STRIPE_API_URL: url, PUBLIC_URL: 'http://gatehouse.test' });

for (const mode of modes) {
  describeMode(mode)(`the wall's plans with Stripe's prices, trials and promotion codes (${mode})`, () => {
    let stripe: FakeStripe;
    let t: TestApp;
    let key: string;
    let renders: { view: string; plans: unknown }[];

    beforeAll(async () => {
      stripe = new FakeStripe();
      await stripe.start();
      t = await startTestApp(mode, { env: stripeEnv(stripe.url, stripe) });
      renders = captureRenders(t.app);
      key = (await t.deps.admin.apiKeys.create('tests')).key;
      await request(t.app).put('/admin/api/plans').set('Authorization', `Bearer ${key}`).send(plans).expect(200);
      await t.deps.billing.plans.loadPrices();
    });
    afterAll(async () => {
      await t?.close();
      await stripe?.stop();
    });

    async function checkout(agent: Agent, priceId: string): Promise<{ sessionId: string; body: Record<string, any> }> {
      const page = await agent.get('/subscribe');
      const response = await agent.post('/subscribe').type('form').send({ priceId, returnTo: article, _csrf: csrfTokenIn(page.text) });
      expect(response.status).toBe(303);
      const sessionId = /\/c\/pay\/(cs_test_[A-Za-z0-9_]+)/.exec(response.headers.location as string)?.[1];
      if (!sessionId) throw new Error(`not sent to checkout: ${response.headers.location}`);
      const created = stripe.requests.filter((r) => r.method === 'POST' && r.path === '/v1/checkout/sessions' && (r.body.line_items as any)?.[0]?.price === priceId);
      return { sessionId, body: created[created.length - 1]!.body };
    }

    it('when the admin saves the new fields, then GET answers them; two highlighted plans or bad trial days are 400 naming the field, and nothing changes', async () => {
      const saved = await request(t.app).get('/admin/api/plans').set('Authorization', `Bearer ${key}`).expect(200);
      expect(saved.body).toEqual(plans);
      const twice = await request(t.app).put('/admin/api/plans').set('Authorization', `Bearer ${key}`).send([{ ...plans[0], highlighted: true }, plans[1]]).expect(400);
      expect(twice.body.fields).toEqual({ '1.highlighted': 'only one plan may be highlighted' });
      const days = await request(t.app).put('/admin/api/plans').set('Authorization', `Bearer ${key}`).send([{ ...plans[0], trialDays: 731 }]).expect(400);
      expect(Object.keys(days.body.fields)).toEqual(['0.trialDays']);
      expect((await request(t.app).get('/admin/api/plans').set('Authorization', `Bearer ${key}`)).body).toEqual(plans);
    });

    it("when a reader meets the paywall, then each plan comes with Stripe's price, the trial offered and the highlighted plan", async () => {
      const { agent } = await signUp(t.app);
      const wall = await agent.get(article).expect(200);
      expect(wall.headers['x-access-decision']).toBe('paywall');
      expect(wall.text).toContain('Subscribe: Monthly');
      expect(lastPlans(renders, 'article')).toEqual([
        {
          priceId: 'price_monthly', name: 'Monthly', description: 'Every article, billed monthly', highlighted: false,
          price: { amount: 900, currency: 'eur', interval: 'month', intervalCount: 1, amountText: '€9.00', formatted: '€9.00 per month' },
          trialDays: 14, trialOffered: true, allowPromotionCodes: true, offer: 'Free for 14 days, then €9.00 per month',
        },
        {
          priceId: 'price_yearly', name: 'Yearly', description: 'Two months free', highlighted: true,
          price: { amount: 900, currency: 'eur', interval: 'month', intervalCount: 1, amountText: '€9.00', formatted: '€9.00 per month' },
          trialOffered: false, allowPromotionCodes: false, offer: '€9.00 per month',
        },
      ]);
      // Read through the app's Stripe client, at STRIPE_API_URL.
      expect(stripe.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/v1/prices/')).map((r) => r.path).sort()).toEqual(['/v1/prices/price_monthly', '/v1/prices/price_yearly']);
    });

    it('when many readers view the wall, then the prices are not fetched again (kept)', async () => {
      const before = stripe.requests.filter((r) => r.path.startsWith('/v1/prices')).length;
      await Promise.all([1, 2, 3, 4].map(() => request(t.app).get(article).expect(200)));
      await request(t.app).get('/subscribe').expect(200);
      expect(stripe.requests.filter((r) => r.path.startsWith('/v1/prices')).length).toBe(before);
    });

    it("when a reader subscribes, then Checkout carries the plan's trial days and promotion codes, and a plan without them carries neither", async () => {
      const { agent } = await signUp(t.app);
      const monthly = await checkout(agent, 'price_monthly');
      expect(monthly.body.subscription_data).toMatchObject({ trial_period_days: '14' });
      expect(monthly.body.allow_promotion_codes).toBe('true');
      const yearly = await checkout(agent, 'price_yearly');
      expect(yearly.body.subscription_data).not.toHaveProperty('trial_period_days');
      expect(yearly.body).not.toHaveProperty('allow_promotion_codes');
    });

    it('when a reader already had a trial, then the plans page offers none and Checkout gets none, in a new session', async () => {
      const { agent } = await signUp(t.app);
      const first = await checkout(agent, 'price_monthly');
      expect(first.body.subscription_data).toMatchObject({ trial_period_days: '14' });
      const subscription = stripe.completeCheckout(first.sessionId, 'trialing');
      expect((await stripe.deliver(t.app, stripe.event('checkout.session.completed', stripe.checkoutSessionObject(first.sessionId))).expect(200)).body.outcome).toBe('applied');
      // The trial is cancelled: Stripe's later state shows no trial, the reader may subscribe again.
      await stripe.deliver(t.app, stripe.event('customer.subscription.deleted', stripe.setStatus(subscription.id as string, 'canceled', { trial_start: null, trial_end: null }))).expect(200);

      await agent.get('/subscribe').expect(200);
      expect(lastPlans(renders, 'plans')[0]).toMatchObject({ priceId: 'price_monthly', trialDays: 14, trialOffered: false, offer: '€9.00 per month' });
      const again = await checkout(agent, 'price_monthly');
      expect(again.body.subscription_data).not.toHaveProperty('trial_period_days');
      expect(again.body.allow_promotion_codes).toBe('true');
      // Within the same half hour, but not the first (trial) session handed back.
      expect(again.sessionId).not.toBe(first.sessionId);
    });

    it('when another reader signs in, then they are still offered the trial', async () => {
      const { agent } = await signUp(t.app);
      await agent.get('/subscribe').expect(200);
      expect(lastPlans(renders, 'plans')[0]).toMatchObject({ trialOffered: true, offer: 'Free for 14 days, then €9.00 per month' });
    });
  });

  describeMode(mode)(`when Stripe's prices cannot be read (${mode})`, () => {
    let stripe: FakeStripe;
    let t: TestApp;
    let now = Date.now();
    let renders: { view: string; plans: unknown }[];

    beforeAll(async () => {
      stripe = new FakeStripe();
      await stripe.start();
      t = await startTestApp(mode, { env: stripeEnv(stripe.url, stripe), clock: () => now });
      renders = captureRenders(t.app);
      // Down before the plans are saved: saving them starts the first fill, and it fails.
      stripe.failing = true;
      await t.deps.billing.plans.replace(plans);
    });
    afterAll(async () => {
      await t?.close();
      await stripe?.stop();
    });

    it('then the paywall is up with the plans and no prices on the first fill, and keeps the last good prices after', async () => {
      const wall = await request(t.app).get(article).expect(200);
      expect(wall.headers['x-access-decision']).toBe('paywall');
      expect(wall.text).toContain('Subscribe: Monthly');
      expect(lastPlans(renders, 'article').map((p) => [p.priceId, p.price, p.offer])).toEqual([['price_monthly', undefined, 'Free for 14 days'], ['price_yearly', undefined, undefined]]);
      await request(t.app).get('/subscribe').expect(200);

      // Stripe is back; once the retry is due the prices load.
      stripe.failing = false;
      now += 60_000;
      await t.deps.billing.plans.loadPrices();
      await request(t.app).get(article).expect(200);
      expect(lastPlans(renders, 'article')[0]!.price).toMatchObject({ formatted: '€9.00 per month' });

      // Down again after the copies went stale: the views keep the last good copy.
      stripe.failing = true;
      now += 11 * 60_000;
      const stale = await request(t.app).get(article).expect(200);
      expect(stale.text).toContain('Subscribe: Monthly');
      expect(lastPlans(renders, 'article').map((p) => (p.price as { formatted?: string } | undefined)?.formatted)).toEqual(['€9.00 per month', '€9.00 per month']);
      await t.deps.billing.plans.loadPrices();
      expect((await request(t.app).get('/subscribe').expect(200)).status).toBe(200);
      expect(lastPlans(renders, 'plans')[1]!.price).toMatchObject({ formatted: '€9.00 per month' });
    });
  });
}

describe('when Stripe takes a price request and never answers', () => {
  let t: TestApp;
  const open = new Set<string>();
  const sockets = new Set<import('node:net').Socket>();
  // Takes every request and answers none; `open` holds those whose connection is still up.
  const silent = http.createServer((req) => {
    const what = `${req.method} ${req.url}`;
    open.add(what);
    req.socket.once('close', () => open.delete(what));
  });
  silent.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  beforeAll(async () => {
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    t = await startTestApp('embedded', { env: stripeEnv(url, { secretKey: 'sk_test_silent', webhookSecret: 'whsec_silent' }) });
  });
  afterAll(async () => {
    await t?.close();
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it('then the paywall answers without the prices while the request to Stripe is still waiting', async () => {
    const renders = captureRenders(t.app);
    // Saving the plans starts the first fill; the view right after finds it in flight.
    await t.deps.billing.plans.replace(plans);
    const wall = await request(t.app).get(article);
    expect(wall.status).toBe(200);
    expect(wall.headers['x-access-decision']).toBe('paywall');
    expect(lastPlans(renders, 'article').map((p) => p.price)).toEqual([undefined, undefined]);
    // The page did not wait for Stripe: its price requests are still open.
    expect([...open].sort()).toEqual(['GET /v1/prices/price_monthly', 'GET /v1/prices/price_yearly']);
  });
});

describe("when the prices at Stripe have their own trial and other intervals", () => {
  let server: StripeDevServer;
  let t: TestApp;
  const requests: { method: string; path: string; body: Record<string, any> }[] = [];
  const log: RequestHandler = (req, _res, next) => {
    requests.push({ method: req.method, path: req.path, body: req.body as Record<string, any> });
    next();
  };
  const secretKey = 'sk_test_prices';
  let renders: { view: string; plans: unknown }[];

  beforeAll(async () => {
    // FakeStripe sells every price at €9.00 a month: these prices need the dev server itself.
    server = new StripeDevServer({
      secretKey,
      webhookSecret: 'whsec_prices',
      prices: [
        { id: 'price_trial_monthly', nickname: 'Monthly', unitAmount: 500, interval: 'month', currency: 'eur', trialDays: 7 },
        { id: 'price_yearly_usd', nickname: 'Yearly', unitAmount: 5000, interval: 'year', currency: 'usd', trialDays: null },
        { id: 'price_weekly_jpy', nickname: 'Weekly', unitAmount: 300, interval: 'week', currency: 'jpy', trialDays: null },
      ],
      clock: Date.now,
      urlHost: '127.0.0.1',
      beforeKeyCheck: [log],
    });
    await server.listen(0);
    t = await startTestApp('embedded', { env: stripeEnv(server.url, { secretKey, webhookSecret: 'whsec_prices' }) });
    renders = captureRenders(t.app);
    await t.deps.billing.plans.replace([
      { priceId: 'price_trial_monthly', name: 'Monthly', description: '' },
      { priceId: 'price_yearly_usd', name: 'Yearly', description: '', highlighted: true },
      { priceId: 'price_weekly_jpy', name: 'Weekly', description: '' },
    ]);
    await t.deps.billing.plans.loadPrices();
  });
  afterAll(async () => {
    await t?.close();
    await server?.stop();
  });

  it("then each reads in its currency and interval, the price's trial is offered, and Checkout passes it", async () => {
    const { agent } = await signUp(t.app);
    const page = await agent.get('/subscribe').expect(200);
    expect(lastPlans(renders, 'plans').map((p) => [p.offer, p.trialDays, p.highlighted])).toEqual([
      ['Free for 7 days, then €5.00 per month', 7, false],
      ['$50.00 per year', undefined, true],
      ['¥300 per week', undefined, false],
    ]);
    await agent.post('/subscribe').type('form').send({ priceId: 'price_trial_monthly', returnTo: article, _csrf: csrfTokenIn(page.text) }).expect(303);
    const created = requests.filter((r) => r.method === 'POST' && r.path === '/v1/checkout/sessions');
    expect(created).toHaveLength(1);
    expect(created[0]!.body.subscription_data).toMatchObject({ trial_period_days: '7' });
  });
});
