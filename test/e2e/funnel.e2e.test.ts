import request from 'supertest';
import { describeMode, modes, startTestApp, type TestApp } from '../support/test-app';
import { csrfTokenIn, goodPassword, newEmail, signUp, submitForm, type Agent } from '../support/http';
import { FakeStripe } from '../support/fake-stripe';
import { signinLinkTo } from '../support/email-links';

const metered = ['allotment-waiting-list', 'debut-novel-interview', 'flood-defences-budget', 'harbour-bridge-reopens'];
const premium = 'care-home-contracts';
const today = new Date().toISOString().slice(0, 10);

for (const mode of modes) {
  describeMode(mode)(`conversion funnel (${mode})`, () => {
    let stripe: FakeStripe;
    let t: TestApp;
    let key: string;
    const api = (query = '') => request(t.app).get(`/admin/api/funnel${query}`).set('Authorization', `Bearer ${key}`);
    const totals = async () => Object.fromEntries(((await api().expect(200)).body.stages as Array<{ stage: string; readers: number }>).map((s) => [s.stage, s.readers]));

    beforeAll(async () => {
      stripe = new FakeStripe();
      await stripe.start();
      t = await startTestApp(mode, { env: { ...stripe.appEnv() } });
      key = (await t.deps.admin.apiKeys.create('tests')).key;
      await request(t.app).put('/admin/api/plans').set('Authorization', `Bearer ${key}`).send([{ priceId: 'price_monthly', name: 'Monthly' }]).expect(200);
    });
    afterAll(async () => {
      await t.close();
      await stripe.stop();
    });

    it('when there is no API key or the range is bad, then 401 and 400 naming the field', async () => {
      await request(t.app).get('/admin/api/funnel').expect(401);
      const bad = await api('?from=2026-13-01&to=yesterday').expect(400);
      expect(bad.body).toEqual({ error: 'Invalid funnel range: from, to', fields: { from: 'is not a calendar date', to: 'must be a date as YYYY-MM-DD' } });
      expect((await api('?from=2026-05-02&to=2026-05-01').expect(400)).body.fields).toEqual({ from: 'must not be after to' });
    });

    it('when readers go from free articles to the wall, an account, the paywall and Checkout, then each stage counts each reader once', async () => {
      expect(await totals()).toEqual({ metered: 0, gift: 0, 'registration-wall': 0, signup: 0, paywall: 0, checkout: 0, subscribed: 0 });

      // Reader A: three free articles, then the registration wall (seen three times).
      const a: Agent = request.agent(t.app);
      for (const slug of metered) await a.get(`/articles/${slug}`).expect(200);
      for (let i = 0; i < 2; i += 1) expect((await a.get(`/articles/${metered[3]}`)).headers['x-access-decision']).toBe('registration-wall');
      // Reader B reads one; reader C only asks the JSON API, which counts nothing.
      await request.agent(t.app).get(`/articles/${metered[0]}`).expect(200);
      await request(t.app).get(`/api/access/${metered[0]}`).expect(200);

      // A creates an account, meets the paywall on a premium article, and subscribes.
      expect((await submitForm(a, '/signup', '/signup', { email: newEmail(), password: goodPassword, returnTo: '/' })).status).toBe(303);
      const wall = await a.get(`/articles/${premium}`);
      expect(wall.headers['x-access-decision']).toBe('paywall');
      const checkout = await a.post('/subscribe').type('form').send({ priceId: 'price_monthly', returnTo: `/articles/${premium}`, _csrf: csrfTokenIn(wall.text) });
      expect(checkout.status).toBe(303);
      const sessionId = /(cs_test_[A-Za-z0-9_]+)/.exec(checkout.headers.location as string)![1]!;
      stripe.completeCheckout(sessionId);
      await a.get(`/subscribe/success?returnTo=%2F&session_id=${sessionId}`).expect(200);
      await stripe.deliver(t.app, stripe.event('checkout.session.completed', stripe.checkoutSessionObject(sessionId))).expect(200);

      const report = (await api().expect(200)).body;
      expect(report.stages).toEqual([
        { stage: 'metered', label: 'Read a free article', readers: 2, ofPrevious: null },
        { stage: 'gift', label: 'Read a gifted article', readers: 0, ofPrevious: null },
        { stage: 'registration-wall', label: 'Saw the registration wall', readers: 1, ofPrevious: 0.5 },
        { stage: 'signup', label: 'Created an account', readers: 1, ofPrevious: 1 },
        { stage: 'paywall', label: 'Saw the paywall', readers: 1, ofPrevious: 1 },
        { stage: 'checkout', label: 'Went to checkout', readers: 1, ofPrevious: 1 },
        { stage: 'subscribed', label: 'Subscribed', readers: 1, ofPrevious: 1 },
      ]);
      expect(report).toMatchObject({ to: today, timeZone: 'UTC', approximate: mode === 'production' });
      expect(report.ways).toContainEqual({ way: 'password', label: 'Password', signups: 1, signins: 0 });
      expect(report.days).toHaveLength(30);
      expect(report.days.at(-1)).toEqual({ day: today, metered: 2, gift: 0, 'registration-wall': 1, signup: 1, paywall: 1, checkout: 1, subscribed: 1 });
      // A range that ends yesterday has none of today's readers.
      const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
      expect((await api(`?to=${yesterday}`).expect(200)).body.stages.every((s: { readers: number }) => s.readers === 0)).toBe(true);
    });

    it('when readers get in by an emailed link and by a password, then each way counts its sign-ups and its sign-ins apart', async () => {
      const ways = async () => Object.fromEntries(((await api().expect(200)).body.ways as { way: string; signups: number; signins: number }[]).map((w) => [w.way, [w.signups, w.signins]]));
      const before = await ways();
      const email = newEmail();
      const reader = request.agent(t.app);
      expect((await submitForm(reader, '/signin/email', '/signin/email', { email, returnTo: '/' })).status).toBe(200);
      const { path } = await signinLinkTo(t.deps.config.dataDir, email);
      const confirm = await reader.get(path).expect(200);
      const fields: Record<string, string> = { _csrf: csrfTokenIn(confirm.text) };
      for (const [, name, value] of confirm.text.matchAll(/name="(termsVersion|privacyVersion)" value="([^"]*)"/g)) fields[name!] = value!;
      await reader.post(path).type('form').send(fields).expect(303);
      const known = await signUp(t.app);
      expect((await submitForm(request.agent(t.app), '/signin', '/signin', { email: known.email, password: known.password, returnTo: '/' })).status).toBe(303);
      const after = await ways();
      expect(after['email-link']).toEqual([before['email-link']![0]! + 1, before['email-link']![1]!]);
      expect(after.password).toEqual([before.password![0]! + 1, before.password![1]! + 1]);
    });

    it('when a reader is seen by another instance, then its figures arrive within a few seconds', async () => {
      const other = await startTestApp(mode, { shareStorageWith: t });
      try {
        const before = (await totals()).paywall!;
        const { agent } = await signUp(other.app);
        await agent.get(`/articles/${premium}`).expect(200);
        const deadline = Date.now() + 6_000;
        let seen = before;
        while (seen === before && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 250));
          seen = (await totals()).paywall!;
        }
        expect(seen).toBe(before + 1);
      } finally {
        await other.close();
      }
    });

    it('when an admin opens the console, then the funnel is drawn with its figures, and a bad date is shown as a field error', async () => {
      const { agent, email } = await signUp(t.app);
      await t.deps.auth.accountsRepository.setAdmin(email, true);
      const page = await agent.get('/admin').expect(200);
      expect(page.text).toMatch(/<div class="funnel-chart" role="img" aria-label="Readers at each stage of the funnel, [0-9-]+ to [0-9-]+">/);
      expect(page.text).toContain('<span class="funnel-chart__label">Saw the registration wall</span>');
      // The other instance's reader also met the paywall: 1 of 2 went on to Checkout.
      expect(page.text).toMatch(/<td>Went to checkout<\/td><td>1<\/td><td>50%<\/td>/);
      expect(page.text).toContain('<caption>How readers got in</caption>');
      expect(page.text).toMatch(/<td>Password<\/td><td>[1-9]\d*<\/td>/);
      const bad = await agent.get('/admin?from=%3Cscript%3E').expect(200);
      expect(bad.text).toContain('From must be a date as YYYY-MM-DD');
      expect(bad.text).not.toContain('<script>');
      expect(bad.text).toContain('value="&lt;script&gt;"');
    });
  });
}
