import request from 'supertest';
import { describeMode, modes, startTestApp, type TestApp } from '../support/test-app';
import { meterSettingsOf } from '../support/meter-settings';
import { makeFixtureContent, marker, markerParagraphs } from '../support/fixture-content';
import { csrfTokenIn, signUp, type Agent } from '../support/http';
import { startStaticOrigin, type StaticOrigin } from '../support/static-origin';
import { markerParagraphs as originParagraphs } from '../support/wordpress';

const givenLine = 'role="status">A subscriber gave you this article</p>';
const tokenOf = (url: string) => new URL(url).searchParams.get('gift')!;

/** A signed-up reader made a subscriber through the entitlements table (what billing writes), the cached one dropped. */
async function subscriber(t: TestApp): Promise<{ agent: Agent; email: string; id: string }> {
  const { agent, email } = await signUp(t.app);
  const id = (await t.deps.auth.accountsRepository.findByEmail(email))!.id;
  await t.deps.meter.entitlements.set(id, 'subscriber', null);
  await t.deps.meter.store.forgetEntitlement(id);
  return { agent, email, id };
}

/** POST /gifts with the form token of `page` (JSON unless asked otherwise), expecting `status`. */
async function give(agent: Agent, page: string, path: string, status: number, accept = 'application/json') {
  const token = csrfTokenIn((await agent.get(page)).text);
  return agent.post('/gifts').set('Accept', accept).type('form').send({ path, _csrf: token }).expect(status);
}

for (const mode of modes) {
  describeMode(mode)(`gift links (${mode})`, () => {
    let t: TestApp;
    let apiKey: string;
    const settings = meterSettingsOf(() => t, () => apiKey);

    beforeAll(async () => {
      t = await startTestApp(mode, { env: { CONTENT_DIR: makeFixtureContent() } });
      apiKey = (await t.deps.admin.apiKeys.create('tests')).key;
    });
    afterAll(() => t.close());
    beforeEach(() => settings({ anonymousLimit: 0, registeredLimit: 0, newReadersPerNetwork: 0, gifts: { perMonth: 10, linkDays: 14, linkReaders: 100 } }));

    it('when a subscriber gifts a premium article, then an anonymous reader reads it whole, decided gift, uncounted, with the giver\'s line and the sign-up offer, and the JSON-LD stays paywalled', async () => {
      const { agent, email } = await subscriber(t);
      const page = await agent.get('/articles/premium-one').expect(200);
      expect(page.headers['x-access-decision']).toBe('subscriber');
      expect(page.text).toContain('action="/gifts"');
      const made = await give(agent, '/articles/premium-one', '/articles/premium-one', 201);
      expect(made.body.url).toMatch(new RegExp(`^${t.deps.config.publicUrl.origin}/articles/premium-one\\?gift=[A-Za-z0-9_-]{43}$`));
      expect(Date.parse(made.body.expiresAt) - Date.now()).toBeGreaterThan(13.9 * 86_400_000);
      const url = new URL(made.body.url);
      const reader = request.agent(t.app);
      const view = await reader.get(`${url.pathname}${url.search}`).expect(200);
      expect(view.headers['x-access-decision']).toBe('gift');
      expect(view.headers['x-meter-limit']).toBeUndefined();
      expect(view.text).toContain(givenLine);
      for (let n = 1; n <= markerParagraphs; n += 1) expect(view.text).toContain(marker(n));
      expect(view.text).toContain('id="gift-offer"');
      expect(view.text).toContain('action="/signin/continue"');
      expect(view.text).toContain('"isAccessibleForFree":false');
      expect(view.text).toContain('"hasPart"');
      // The token names no giver, and signs no one in.
      expect(view.text).not.toContain(email);
      expect((await reader.get('/api/me').expect(200)).body).toMatchObject({ signedIn: false });
      // The same reader again is still one reader; without the link, the article is as before.
      expect((await reader.get(`${url.pathname}${url.search}`)).headers['x-access-decision']).toBe('gift');
      const without = await reader.get('/articles/premium-one').expect(200);
      expect(without.headers['x-access-decision']).toBe('paywall');
      expect(without.text).not.toContain(marker(markerParagraphs));
      expect(without.text).not.toContain('A subscriber gave you this article');
      // The link opens that article only.
      const elsewhere = await request(t.app).get(`/articles/m1${url.search}`).expect(200);
      expect(elsewhere.headers['x-access-decision']).toBe('registration-wall');
      // The HTML answer shows the link to copy.
      const html = await give(agent, '/articles/premium-one', '/articles/premium-one', 201, 'text/html');
      expect(html.text).toMatch(/<input id="gift-url" type="url" readonly value="http[^"]+\?gift=[A-Za-z0-9_-]{43}">/);
    });

    it('when a metered article is read by a gift, then the meter counts nothing and the reader still has their allowance', async () => {
      await settings({ anonymousLimit: 1, newReadersPerNetwork: 0 });
      const { agent } = await subscriber(t);
      const { url } = (await give(agent, '/articles/m10', '/articles/m10', 201)).body as { url: string };
      const reader = request.agent(t.app);
      const gifted = await reader.get(new URL(url).pathname + new URL(url).search).expect(200);
      expect(gifted.headers['x-access-decision']).toBe('gift');
      const next = await reader.get('/articles/m11').expect(200);
      expect([next.headers['x-access-decision'], next.headers['x-meter-remaining']]).toEqual(['metered', '0']);
    });

    it('when a reader is not a subscriber, the path is no article, or the month\'s gifts are used, then 403, 400 and 429', async () => {
      await request(t.app).post('/gifts').type('form').send({ path: '/articles/m1' }).expect(403);
      const plain = await signUp(t.app);
      await give(plain.agent, '/articles/m1', '/articles/m1', 403);
      await settings({ anonymousLimit: 0, newReadersPerNetwork: 0, gifts: { perMonth: 2, linkDays: 14, linkReaders: 100 } });
      const { agent } = await subscriber(t);
      for (const path of ['/nowhere', '/articles/no-such-article', 'https://evil.example/articles/m1', '', '/articles/%E0', '/articles/%']) await give(agent, '/articles/m1', path, 400);
      await give(agent, '/articles/m1', '/articles/m1', 201);
      await give(agent, '/articles/m1', '/articles/m2', 201);
      const refused = await give(agent, '/articles/m1', '/articles/m3', 429);
      expect(refused.body.error).toContain('all 2');
    });

    it('when a burst of gifts goes out at once, then no more than the month\'s allowance is made', async () => {
      await settings({ anonymousLimit: 0, newReadersPerNetwork: 0, gifts: { perMonth: 3, linkDays: 14, linkReaders: 100 } });
      const { agent } = await subscriber(t);
      const token = csrfTokenIn((await agent.get('/articles/m1')).text);
      const answers = await Promise.all(Array.from({ length: 8 }, () => agent.post('/gifts').set('Accept', 'application/json').type('form').send({ path: '/articles/m1', _csrf: token })));
      expect(answers.map((a) => a.status).sort()).toEqual([201, 201, 201, 429, 429, 429, 429, 429]);
    });

    it('when linkReaders distinct readers have read, then the next gets the article as without the link; a burst on k slots admits exactly k', async () => {
      await settings({ anonymousLimit: 0, newReadersPerNetwork: 0, gifts: { perMonth: 10, linkDays: 14, linkReaders: 3 } });
      const { agent } = await subscriber(t);
      const first = new URL((await give(agent, '/articles/premium-one', '/articles/premium-one', 201)).body.url);
      const at = `${first.pathname}${first.search}`;
      const one = request.agent(t.app);
      expect((await one.get(at)).headers['x-access-decision']).toBe('gift');
      // HEAD is a peek: it takes no slot.
      for (let i = 0; i < 3; i += 1) expect((await request(t.app).head(at)).headers['x-access-decision']).toBe('gift');
      const burst = await Promise.all(Array.from({ length: 6 }, () => request(t.app).get(at)));
      expect(burst.map((r) => r.headers['x-access-decision']).sort()).toEqual(['gift', 'gift', 'paywall', 'paywall', 'paywall', 'paywall']);
      for (const r of burst.filter((b) => b.headers['x-access-decision'] === 'paywall')) expect(r.text).not.toContain(marker(markerParagraphs));
      // The first reader keeps their slot; a fourth is refused.
      expect((await one.get(at)).headers['x-access-decision']).toBe('gift');
      expect((await request(t.app).get(at)).headers['x-access-decision']).toBe('paywall');
      expect((await request(t.app).head(at)).headers['x-access-decision']).toBe('paywall');
      // On /account: 3 of 3 readers.
      const account = await agent.get('/account').expect(200);
      expect(account.text).toContain('3 of 3');
    });

    it('when a link is revoked (by its giver only), expired or tampered with, then the article is as without it', async () => {
      const { agent, id } = await subscriber(t);
      const url = new URL((await give(agent, '/articles/premium-one', '/articles/premium-one', 201)).body.url);
      const at = `${url.pathname}${url.search}`;
      const tampered = `${url.pathname}?gift=${tokenOf(url.href).slice(0, -2)}AA`;
      expect((await request(t.app).get(tampered).expect(200)).headers['x-access-decision']).toBe('paywall');
      expect((await request(t.app).get('/articles/premium-one?gift=short').expect(200)).headers['x-access-decision']).toBe('paywall');
      // Another subscriber cannot revoke it; its giver can, from /account.
      const other = await subscriber(t);
      const [link] = (await t.deps.gifts.service.linksOf(id)) as { id: string }[];
      const otherToken = csrfTokenIn((await other.agent.get('/account')).text);
      await other.agent.post(`/account/gifts/${link!.id}/revoke`).type('form').send({ _csrf: otherToken }).expect(404);
      expect((await request(t.app).get(at)).headers['x-access-decision']).toBe('gift');
      const account = await agent.get('/account').expect(200);
      expect(account.text).toContain('Article premium-one');
      expect(account.text).toContain(`action="/account/gifts/${link!.id}/revoke"`);
      await agent.post(`/account/gifts/${link!.id}/revoke`).type('form').send({}).expect(403);
      await agent.post(`/account/gifts/${link!.id}/revoke`).type('form').send({ _csrf: csrfTokenIn(account.text) }).expect(303);
      const after = await request(t.app).get(at).expect(200);
      expect(after.headers['x-access-decision']).toBe('paywall');
      expect(after.text).not.toContain('A subscriber gave you');
      expect((await agent.get('/account')).text).toContain('Revoked');
      // Expired: a link past linkDays.
      const fresh = new URL((await give(agent, '/articles/premium-one', '/articles/premium-one', 201)).body.url);
      await t.deps.database.db.updateTable('gift_links').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where('giver_id', '=', id).execute();
      expect((await request(t.app).get(`${fresh.pathname}${fresh.search}`)).headers['x-access-decision']).toBe('paywall');
    });

    it('when the funnel is read, then each distinct gift reader is counted at the gift stage', async () => {
      const { agent } = await subscriber(t);
      const url = new URL((await give(agent, '/articles/premium-one', '/articles/premium-one', 201)).body.url);
      const stageOf = async () => {
        await t.deps.funnel.recorder.flush();
        const body = (await request(t.app).get('/admin/api/funnel').set('Authorization', `Bearer ${apiKey}`).expect(200)).body as { stages: { stage: string; readers: number; label: string }[] };
        return body.stages.find((s) => s.stage === 'gift')!;
      };
      const before = await stageOf();
      expect(before.label).toBe('Read a gifted article');
      const reader = request.agent(t.app);
      await reader.get(`${url.pathname}${url.search}`).expect(200);
      await reader.get(`${url.pathname}${url.search}`).expect(200);
      await request(t.app).get(`${url.pathname}${url.search}`).expect(200);
      expect((await stageOf()).readers).toBe(before.readers + 2);
    });
  });

  describeMode(mode)(`gift links in front of an origin (${mode})`, () => {
    let t: TestApp;
    let origin: StaticOrigin;
    let apiKey: string;
    const settings = meterSettingsOf(() => t, () => apiKey);
    const article = (prefix: string) => `<!doctype html><html><head><title>${prefix} title</title><meta name="gatehouse:access" content="premium"></head><body><article><h1>${prefix}</h1>${originParagraphs(prefix, 5).map((p) => `<p>${p}</p>`).join('')}</article></body></html>`;

    beforeAll(async () => {
      origin = await startStaticOrigin();
      t = await startTestApp(mode, { env: { ORIGIN_URL: origin.url, ORIGIN_SECRET: 'the-origin-secret' } });
      apiKey = (await t.deps.admin.apiKeys.create('origin tests')).key;
      await settings({ anonymousLimit: 0, registeredLimit: 0, newReadersPerNetwork: 0 });
    });
    afterAll(async () => {
      await t?.close();
      await origin?.close();
    });

    it('when a subscriber gifts an origin article, then the reader reads it whole with the line, and the CMS never sees the gift parameter', async () => {
      origin.route('/news/gifted/', { body: article('gfo') });
      const { agent } = await subscriber(t);
      const page = await agent.get('/news/gifted/').expect(200);
      expect(page.headers['x-access-decision']).toBe('subscriber');
      expect(page.text).toContain('action="/gifts"');
      await give(agent, '/news/gifted/', '/news/not-here/', 400);
      const made = await give(agent, '/news/gifted/', '/news/gifted/', 201);
      const url = new URL(made.body.url);
      expect(url.pathname).toBe('/news/gifted/');
      const view = await request(t.app).get(`${url.pathname}${url.search}&utm=x`).expect(200);
      expect(view.headers['x-access-decision']).toBe('gift');
      expect(view.text).toContain('A subscriber gave you this article');
      for (let n = 1; n <= 5; n += 1) expect(view.text).toContain(`gfop${n}x`);
      expect(view.text).toContain('id="gift-offer"');
      // The offer leads back to the gifted address, so that the new account reads on.
      expect(view.text).toContain(`name="returnTo" value="/news/gifted/?gift=${tokenOf(url.href)}&amp;utm=x"`);
      expect(view.headers['referrer-policy']).toBe('strict-origin');
      // The page's own files, asked for with the gifted address as their referrer: the CMS never sees the token.
      await request(t.app).get('/news/gifted/style.css').set('Referer', `${url.href}&utm=x`);
      expect(origin.requests.some((r) => r.url.includes('gift=') || String(r.headers?.referer ?? '').includes('gift='))).toBe(false);
      expect(origin.requests.some((r) => r.url.includes('utm=x'))).toBe(true);
      const without = await request(t.app).get('/news/gifted/').expect(200);
      expect(without.headers['x-access-decision']).toBe('paywall');
      expect(without.text).not.toContain('gfop5x');
    });
  });
}
