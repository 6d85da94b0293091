import request from 'supertest';
import { describeMode, modes, startTestApp, type TestApp } from '../support/test-app';
import { meterSettingsOf } from '../support/meter-settings';
import { ArticlePageCache } from '../../src/articles/page-cache';
import { csrfTokenIn, newEmail, signUp, submitForm, goodPassword } from '../support/http';
import { makeFixtureContent, marker, markerParagraphs } from '../support/fixture-content';

type Agent = ReturnType<typeof request.agent>;

function jsonLdOf(html: string): Record<string, unknown> {
  const match = /<script type="application\/ld\+json">([^<]*)<\/script>/.exec(html);
  if (!match) throw new Error('no JSON-LD on the page');
  return JSON.parse(match[1]!) as Record<string, unknown>;
}

const readerCookieOf = (response: request.Response) =>
  ([] as string[]).concat(response.headers['set-cookie'] ?? []).find((c) => c.startsWith('gatehouse.reader='));

for (const mode of modes) {
  describeMode(mode)(`the meter and the gate over HTTP (${mode})`, () => {
    let t: TestApp;
    let apiKey: string;
    let next = 0;
    /** A metered article nobody in this file has opened yet. */
    const fresh = () => `m${(next += 1)}`;
    const settings = meterSettingsOf(() => t, () => apiKey);

    beforeAll(async () => {
      t = await startTestApp(mode, { env: { CONTENT_DIR: makeFixtureContent() } });
      apiKey = (await t.deps.admin.apiKeys.create('tests')).key;
    });
    afterAll(() => t.close());
    beforeEach(() => settings({}));

    it('when anonymous readers are at the same count, then their pages are the same bytes; a different count or address, a different page', async () => {
      const at = async () => {
        const reader = request.agent(t.app);
        await reader.get(`/articles/${fresh()}`).expect(200);
        return reader;
      };
      const [first, second] = [await at(), await at()];
      const slug = fresh();
      const a = await first.get(`/articles/${slug}`).expect(200);
      const b = await second.get(`/articles/${slug}`).expect(200);
      expect(a.headers['x-meter-remaining']).toBe('1');
      expect(b.text).toBe(a.text);
      expect(a.text).toContain('1 free article left this month.');
      const later = await first.get(`/articles/${fresh()}`).expect(200);
      expect(later.text).toContain('This is your last free article this month.');
      const third = await at();
      // Other addresses of the article are rendered each time, never kept: they could fill memory.
      const kept = jest.spyOn(ArticlePageCache.prototype, 'set');
      const withQuery = await third.get(`/articles/${slug}?utm_source=test`).expect(200);
      expect(withQuery.text).toContain(`returnTo=${encodeURIComponent(`/articles/${slug}?utm_source=test`)}`);
      expect(kept).not.toHaveBeenCalled();
      kept.mockRestore();
      // A signed-in reader's page is theirs: their account bar, never an anonymous copy.
      const { agent } = await signUp(t.app);
      const own = await agent.get(`/articles/${slug}`).expect(200);
      expect(own.text).toContain('Your account');
    });

    it('when two signed-in readers open the same article, then the page is rendered once and each gets their own working token', async () => {
      await settings({});
      const slug = fresh();
      const [one, two] = [await signUp(t.app), await signUp(t.app)];
      const rendered = jest.spyOn(ArticlePageCache.prototype, 'set');
      const first = await one.agent.get(`/articles/${slug}`).expect(200);
      const second = await two.agent.get(`/articles/${slug}`).expect(200);
      expect(rendered).toHaveBeenCalledTimes(1);
      rendered.mockRestore();
      const [tokenOne, tokenTwo] = [csrfTokenIn(first.text), csrfTokenIn(second.text)];
      expect(tokenOne).not.toBe(tokenTwo);
      expect(second.text.replace(tokenTwo, tokenOne)).toBe(first.text);
      expect(first.text).not.toContain(one.email);
      // Each token is its reader's: the other's is refused, their own signs them out.
      await two.agent.post('/signout').type('form').send({ _csrf: tokenOne }).expect(403);
      await two.agent.post('/signout').type('form').send({ _csrf: tokenTwo }).expect(303);
      expect((await two.agent.get('/api/me').expect(200)).body.signedIn).toBe(false);
      expect((await one.agent.get('/api/me').expect(200)).body.signedIn).toBe(true);
    });

    it('when an anonymous reader opens metered articles, then the allowance counts down and then the registration wall', async () => {
      await settings({ anonymousLimit: 30 });
      await settings({});
      const agent = request.agent(t.app);
      const first = await agent.get(`/articles/${fresh()}`).expect(200);
      expect(first.headers['x-access-decision']).toBe('metered');
      expect(first.headers['x-meter-limit']).toBe('3');
      expect(first.headers['x-meter-remaining']).toBe('2');
      expect(first.text).toContain('2 free articles left this month.');
      const cookie = ([] as string[]).concat(first.headers['set-cookie'] ?? []).find((c) => c.startsWith('gatehouse.reader='));
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Lax/);
      expect(decodeURIComponent(cookie!)).toMatch(/^gatehouse\.reader=s:/);
      const second = await agent.get(`/articles/${fresh()}`);
      expect(second.headers['x-meter-remaining']).toBe('1');
      const third = await agent.get(`/articles/${fresh()}`);
      expect(third.headers['x-meter-remaining']).toBe('0');
      expect(third.text).toContain('This is your last free article this month.');
      const wall = await agent.get('/articles/marked').expect(200);
      expect(wall.headers['x-access-decision']).toBe('registration-wall');
      expect(wall.headers['x-meter-remaining']).toBeUndefined();
      expect(wall.text).toContain('Sign in or Create a free account');
      expect(wall.text).toContain('href="/signup?returnTo=%2Farticles%2Fmarked"');
      expect(wall.text).toContain('href="/signin?returnTo=%2Farticles%2Fmarked"');
    });

    it('when a reader may not read on, then only the lead-in is sent, nowhere else in the response', async () => {
      const agent = request.agent(t.app);
      for (let i = 0; i < 3; i += 1) await agent.get(`/articles/${fresh()}`);
      const wall = await agent.get('/articles/marked');
      expect(wall.headers['x-access-decision']).toBe('registration-wall');
      const whole = JSON.stringify(wall.headers) + wall.text;
      expect(whole).toContain(marker(1));
      expect(whole).toContain(marker(2));
      for (let n = 3; n <= markerParagraphs; n += 1) expect(whole).not.toContain(marker(n));
      const api = await agent.get('/api/access/marked');
      for (let n = 1; n <= markerParagraphs; n += 1) expect(api.text).not.toContain(marker(n));
    });

    it('when the teaser length changes, then the lead-in follows it', async () => {
      await settings({ anonymousLimit: 0, teaserParagraphs: 4 });
      const wall = await request(t.app).get('/articles/marked');
      expect(wall.text).toContain(marker(4));
      expect(wall.text).not.toContain(marker(5));
      await settings({ anonymousLimit: 0, teaserParagraphs: 0 });
      const none = await request(t.app).get('/articles/marked');
      expect(none.text).not.toContain(marker(1));
      expect(none.text).toContain('The marked article');
    });

    it('when a page is gated, then it answers 200 with JSON-LD marking the paywalled part', async () => {
      const gated = await request(t.app).get('/articles/premium-one').expect(200);
      expect(gated.headers['x-access-decision']).toBe('paywall');
      expect(jsonLdOf(gated.text)).toMatchObject({
        '@type': 'NewsArticle',
        headline: 'Article premium-one',
        isAccessibleForFree: false,
        hasPart: { '@type': 'WebPageElement', isAccessibleForFree: false, cssSelector: '.paywalled-content' },
      });
      expect(gated.text).toMatch(/<section class="gate paywalled-content"/);
      const free = await request(t.app).get('/articles/free-one').expect(200);
      expect(jsonLdOf(free.text)).toMatchObject({ isAccessibleForFree: true });
      expect(jsonLdOf(free.text)).not.toHaveProperty('hasPart');
    });

    it('when an article already counted is opened again, then it is granted without using the allowance', async () => {
      const agent = request.agent(t.app);
      const slug = fresh();
      await agent.get(`/articles/${slug}`);
      await agent.get(`/articles/${fresh()}`);
      await agent.get(`/articles/${fresh()}`);
      const again = await agent.get(`/articles/${slug}`);
      expect(again.headers['x-access-decision']).toBe('metered');
      expect(again.headers['x-meter-remaining']).toBe('0');
    });

    it('when free and premium articles are opened, then the meter is never touched', async () => {
      const agent = request.agent(t.app);
      await agent.get(`/articles/${fresh()}`);
      for (let i = 0; i < 5; i += 1) {
        expect((await agent.get('/articles/free-one')).headers['x-access-decision']).toBe('free');
        expect((await agent.get('/articles/premium-one')).headers['x-access-decision']).toBe('paywall');
      }
      const me = await agent.get('/api/me').expect(200);
      expect(me.body.meter).toMatchObject({ limit: 3, used: 1, remaining: 2 });
    });

    it('when the JSON API is asked, then it answers the decision without counting', async () => {
      const agent = request.agent(t.app);
      await agent.get(`/articles/${fresh()}`);
      const slug = fresh();
      for (let i = 0; i < 4; i += 1) {
        const access = await agent.get(`/api/access/${slug}`).expect(200);
        expect(access.body).toEqual({ decision: 'metered', limit: 3, remaining: 2 });
      }
      expect((await agent.get('/api/access/free-one')).body).toEqual({ decision: 'free', limit: null, remaining: null });
      expect((await agent.get('/api/access/premium-one')).body).toEqual({ decision: 'paywall', limit: null, remaining: null });
      await agent.get('/api/access/nope').expect(404);
      const me = await agent.get('/api/me').expect(200);
      expect(me.body).toEqual({
        signedIn: false,
        email: null,
        emailVerified: false,
        entitlement: 'none',
        meter: { limit: 3, used: 1, remaining: 2, periodEndsAt: expect.stringMatching(/^\d{4}-\d{2}-01T00:00:00\.000Z$/) },
      });
    });

    it('when an anonymous reader signs up, then this period\'s reads carry into the account, once', async () => {
      const agent = request.agent(t.app);
      const read = [fresh(), fresh()];
      for (const slug of read) await agent.get(`/articles/${slug}`);
      const email = newEmail();
      const signup = await submitForm(agent, '/signup', '/signup', { email, password: goodPassword, returnTo: `/articles/${read[0]}` });
      expect(signup.status).toBe(303);
      const me = await agent.get('/api/me').expect(200);
      expect(me.body).toMatchObject({ signedIn: true, email, entitlement: 'none', meter: { limit: 10, used: 2, remaining: 8 } });
      const reread = await agent.get(`/articles/${read[1]}`);
      expect(reread.headers).toMatchObject({ 'x-access-decision': 'metered', 'x-meter-limit': '10', 'x-meter-remaining': '8' });
      // Signing out and in again with the same reader cookie carries nothing twice.
      const account = await agent.get('/account');
      await agent.post('/signout').type('form').send({ _csrf: csrfTokenIn(account.text) }).expect(303);
      await submitForm(agent, '/signin', '/signin', { email, password: goodPassword }).then((r) => expect(r.status).toBe(303));
      expect((await agent.get('/api/me')).body.meter).toMatchObject({ used: 2 });
    });

    it('when a registered reader uses the registered allowance, then the paywall', async () => {
      await settings({ registeredLimit: 2 });
      const { agent } = await signUp(t.app);
      expect((await agent.get(`/articles/${fresh()}`)).headers['x-access-decision']).toBe('metered');
      expect((await agent.get(`/articles/${fresh()}`)).headers['x-meter-remaining']).toBe('0');
      const wall = await agent.get('/articles/marked');
      expect(wall.headers['x-access-decision']).toBe('paywall');
      expect(wall.text).toContain('Subscribe to keep reading');
      expect(wall.text).not.toContain(marker(3));
    });

    it('when a limit is 0, then the wall comes at once', async () => {
      await settings({ anonymousLimit: 0, registeredLimit: 0 });
      expect((await request(t.app).get(`/articles/${fresh()}`)).headers['x-access-decision']).toBe('registration-wall');
      const { agent } = await signUp(t.app);
      expect((await agent.get(`/articles/${fresh()}`)).headers['x-access-decision']).toBe('paywall');
    });

    it('when a reader is a subscriber, then every article is theirs and the meter is untouched', async () => {
      const { agent, email } = await signUp(t.app);
      const account = await t.deps.auth.accountsRepository.findByEmail(email);
      await t.deps.meter.entitlements.set(account!.id, 'subscriber', null);
      await t.deps.meter.store.cacheEntitlement(account!.id, 'subscriber');
      const premium = await agent.get('/articles/premium-one').expect(200);
      expect(premium.headers['x-access-decision']).toBe('subscriber');
      expect(premium.text).toContain(marker(markerParagraphs));
      expect((await agent.get(`/articles/${fresh()}`)).headers['x-access-decision']).toBe('subscriber');
      expect((await agent.get('/api/me')).body).toMatchObject({ entitlement: 'subscriber', meter: { used: 0 } });
    });

    it('when sections have defaults, then they override metered and an article\'s own access overrides them', async () => {
      await settings({ sections: { investigations: 'premium', puzzles: 'free' } });
      expect((await request(t.app).get('/articles/inv-default')).headers['x-access-decision']).toBe('paywall');
      expect((await request(t.app).get('/articles/inv-free')).headers['x-access-decision']).toBe('free');
      expect((await request(t.app).get('/articles/puzzle-default')).headers['x-access-decision']).toBe('free');
      await settings({});
      expect((await request(t.app).get('/articles/puzzle-default')).headers['x-access-decision']).toBe('metered');
    });

    it('when a reader with k views left opens n > k new articles at once, then exactly k are granted', async () => {
      await settings({ anonymousLimit: 4 });
      const agent: Agent = request.agent(t.app);
      await agent.get(`/articles/${fresh()}`);
      const slugs = Array.from({ length: 8 }, () => fresh());
      const responses = await Promise.all(slugs.map((slug) => agent.get(`/articles/${slug}`)));
      const decisions = responses.map((r) => r.headers['x-access-decision']);
      expect(decisions.filter((d) => d === 'metered')).toHaveLength(3);
      expect(decisions.filter((d) => d === 'registration-wall')).toHaveLength(5);
    });

    it('when a reader sends HEAD, then it answers the decision a GET would get now, with no body, counting nothing and issuing no reader id', async () => {
      const agent = request.agent(t.app);
      await agent.get(`/articles/${fresh()}`).expect(200);
      const record = jest.spyOn(t.deps.funnel.recorder, 'record');
      try {
        for (let i = 0; i < 3; i += 1) {
          const head = await agent.head(`/articles/${fresh()}`).expect(200);
          expect(head.headers).toMatchObject({ 'x-access-decision': 'metered', 'x-meter-limit': '3', 'x-meter-remaining': '1', 'cache-control': 'private, no-store' });
          expect(head.text ?? '').toBe('');
          expect(readerCookieOf(head)).toBeUndefined();
        }
        expect(record).not.toHaveBeenCalled();
      } finally {
        record.mockRestore();
      }
      expect((await agent.get('/api/me')).body.meter).toMatchObject({ used: 1, remaining: 2 });
      const slug = fresh();
      const head = await agent.head(`/articles/${slug}`);
      const get = await agent.get(`/articles/${slug}`);
      expect(head.headers['x-meter-remaining']).toBe(get.headers['x-meter-remaining']);
      // An article already counted previews as a re-read.
      expect((await agent.head(`/articles/${slug}`)).headers['x-meter-remaining']).toBe('1');
      await agent.get(`/articles/${fresh()}`);
      const wall = await agent.head(`/articles/${fresh()}`).expect(200);
      expect(wall.headers['x-access-decision']).toBe('registration-wall');
      expect(wall.headers['x-meter-remaining']).toBeUndefined();
      // Without a cookie: the decision a first view would get, and no id handed out.
      const anonymous = await request(t.app).head(`/articles/${fresh()}`).expect(200);
      expect(anonymous.headers).toMatchObject({ 'x-access-decision': 'metered', 'x-meter-remaining': '2' });
      expect(readerCookieOf(anonymous)).toBeUndefined();
    });

    it("when SPEC section 5's full settings example is PUT, then it is stored whole; an older client's document gets the newer fields' defaults", async () => {
      const example = {
        anonymousLimit: 3, registeredLimit: 10,
        period: { kind: 'calendar-month', timeZone: 'UTC' },
        teaserParagraphs: 2, onStoreFailure: 'open', newReadersPerNetwork: 20,
        crawlers: ['googlebot', 'bingbot'],
        gifts: { perMonth: 10, linkDays: 14, linkReaders: 100 },
        sections: { investigations: 'premium', puzzles: 'free' },
      };
      const auth = { Authorization: `Bearer ${apiKey}` };
      expect((await request(t.app).put('/admin/api/meter').set(auth).send(example).expect(200)).body).toEqual(example);
      expect((await request(t.app).get('/admin/api/meter').set(auth).expect(200)).body).toEqual(example);
      const { newReadersPerNetwork: _n, crawlers: _c, gifts: _g, ...older } = { ...example, newReadersPerNetwork: 7, crawlers: ['bingbot'], gifts: { perMonth: 1, linkDays: 2, linkReaders: 3 } };
      expect((await request(t.app).put('/admin/api/meter').set(auth).send(older).expect(200)).body).toEqual(example);
      const bad = await request(t.app).put('/admin/api/meter').set(auth).send({ ...example, newReadersPerNetwork: -1, crawlers: ['yandex'], gifts: { linkDays: 0 } }).expect(400);
      expect(Object.keys(bad.body.fields).sort()).toEqual(['crawlers.0', 'gifts.linkDays', 'newReadersPerNetwork']);
    });

    it('when the reader cookie is forged, then it is ignored and a new reader id is issued', async () => {
      const response = await request(t.app).get(`/articles/${fresh()}`).set('Cookie', 'gatehouse.reader=s%3Aforged.bad-signature');
      expect(response.headers['x-meter-remaining']).toBe('2');
      expect(([] as string[]).concat(response.headers['set-cookie'] ?? []).some((c) => c.startsWith('gatehouse.reader='))).toBe(true);
    });

    it('when a second instance shares the storage, then a settings change reaches it on its next request', async () => {
      const other = await startTestApp(mode, { env: { CONTENT_DIR: t.deps.config.contentDir }, shareStorageWith: t });
      try {
        const agent = request.agent(other.app);
        expect((await agent.get(`/articles/${fresh()}`)).headers['x-meter-limit']).toBe('3');
        await settings({ anonymousLimit: 7 });
        expect((await agent.get(`/articles/${fresh()}`)).headers).toMatchObject({ 'x-meter-limit': '7', 'x-meter-remaining': '5' });
        await settings({ sections: { news: 'free' } });
        expect((await agent.get(`/articles/${fresh()}`)).headers['x-access-decision']).toBe('free');
      } finally {
        await other.close();
      }
    });
  });
}
