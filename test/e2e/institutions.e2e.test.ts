import request from 'supertest';
import { describeMode, modes, startTestApp, type TestApp } from '../support/test-app';
import { meterSettingsOf } from '../support/meter-settings';
import { makeFixtureContent, marker, markerParagraphs } from '../support/fixture-content';
import { csrfTokenIn, signUp, submitForm, type Agent } from '../support/http';
import { verifyLinkTo } from '../support/email-links';
import { startStaticOrigin, type StaticOrigin } from '../support/static-origin';
import { markerParagraphs as originParagraphs } from '../support/wordpress';

const city = { id: 'city-library', name: 'City Library', ipRanges: ['203.0.113.0/24', '2001:db8:1::/48', '2001:db8:2:2:8000::/65'], emailDomains: ['library.example'] };
const campus = { id: 'campus', name: 'Campus & Co', ipRanges: ['198.51.100.128/25'], emailDomains: ['uni.example'] };

const readerCookieOf = (response: request.Response) =>
  ([] as string[]).concat(response.headers['set-cookie'] ?? []).find((c) => c.startsWith('gatehouse.reader='));
const cookieHeader = (response: request.Response) => readerCookieOf(response)!.split(';')[0]!;
const accessLine = (name: string) => `role="status">Access provided by ${name}</p>`;
const thisMonth = () => new Date().toISOString().slice(0, 7);

for (const mode of modes) {
  describeMode(mode)(`institutional access (${mode})`, () => {
    let t: TestApp;
    let apiKey: string;
    let next = 0;
    /** A metered article nobody in this file has opened yet. */
    const fresh = () => `m${(next += 1)}`;
    const settings = meterSettingsOf(() => t, () => apiKey);
    const admin = () => ({ Authorization: `Bearer ${apiKey}` });
    const putInstitutions = (list: object) => request(t.app).put('/admin/api/institutions').set(admin()).send(list);

    beforeAll(async () => {
      t = await startTestApp(mode, { env: { CONTENT_DIR: makeFixtureContent() } });
      apiKey = (await t.deps.admin.apiKeys.create('tests')).key;
    });
    afterAll(() => t.close());
    beforeEach(async () => {
      await settings({ anonymousLimit: 1, registeredLimit: 1, newReadersPerNetwork: 0 });
      await putInstitutions([city, campus]).expect(200);
    });

    it('when the admin PUTs institutions, then GET answers them as stored (ranges canonical, domains lower-cased), and the API needs a key', async () => {
      await request(t.app).get('/admin/api/institutions').expect(401);
      await request(t.app).put('/admin/api/institutions').send([]).expect(401);
      const put = await putInstitutions([{ ...city, ipRanges: ['2001:0DB8:0001::/48'], emailDomains: ['LIBRARY.example'] }]).expect(200);
      expect(put.body).toEqual([{ ...city, ipRanges: ['2001:db8:1::/48'], emailDomains: ['library.example'] }]);
      expect((await request(t.app).get('/admin/api/institutions').set(admin()).expect(200)).body).toEqual(put.body);
    });

    it('when a PUT has bad fields, then 400 names each of them and nothing is saved', async () => {
      const bad = [
        { id: 'City Library', name: '', ipRanges: ['0.0.0.0/0', '::/0', '203.0.113.5/24', '10.0.0.0/7', 'not-a-range'], emailDomains: ['.library.example', 'edu'] },
        { ...campus, id: 'campus', extra: true },
        { ...campus, ipRanges: [], emailDomains: [] },
      ];
      const response = await putInstitutions(bad).expect(400);
      expect(Object.keys(response.body.fields).sort()).toEqual(
        ['0.id', '0.name', '0.ipRanges.0', '0.ipRanges.1', '0.ipRanges.2', '0.ipRanges.3', '0.ipRanges.4', '0.emailDomains.0', '0.emailDomains.1', '1.extra'].sort(),
      );
      expect(response.body.fields['0.ipRanges.2']).toContain('did you mean 203.0.113.0/24');
      expect(response.body.error).toMatch(/^Invalid institutions: /);
      expect((await putInstitutions([campus, campus]).expect(400)).body.fields).toEqual({ '1.id': 'is already the id of institution 0' });
      expect((await request(t.app).get('/admin/api/institutions').set(admin()).expect(200)).body).toEqual([city, campus]);
    });

    it('when a reader comes from an institution\'s IPv4, IPv6 or IPv4-mapped address, then every gated article is theirs in full, uncounted, with the institution named', async () => {
      for (const address of ['203.0.113.9', '2001:db8:1:ffff::1', '::ffff:203.0.113.200']) {
        const agent = request.agent(t.app);
        for (const slug of [fresh(), fresh(), 'premium-one', 'marked']) {
          const view = await agent.get(`/articles/${slug}`).set('X-Forwarded-For', address).expect(200);
          expect([address, slug, view.headers['x-access-decision']]).toEqual([address, slug, 'institution']);
          expect(view.headers['x-meter-limit']).toBeUndefined();
          expect(view.text).toContain(accessLine('City Library'));
          expect(view.text).not.toContain('Sign in or Create a free account');
          if (slug !== 'marked' && slug !== 'premium-one') continue;
          for (let n = 1; n <= markerParagraphs; n += 1) expect(view.text).toContain(marker(n));
        }
        // Free stays free, and names nobody.
        const free = await agent.get('/articles/free-one').set('X-Forwarded-For', address).expect(200);
        expect(free.headers['x-access-decision']).toBe('free');
        expect(free.text).not.toContain('Access provided by');
        // The JSON API answers the same decision.
        expect((await agent.get(`/api/access/${fresh()}`).set('X-Forwarded-For', address).expect(200)).body).toEqual({ decision: 'institution', limit: null, remaining: null });
      }
      // The institution's own name, escaped, for a second institution.
      const other = await request(t.app).get(`/articles/${fresh()}`).set('X-Forwarded-For', '198.51.100.200').expect(200);
      expect(other.headers['x-access-decision']).toBe('institution');
      expect(other.text).toContain(accessLine('Campus &amp; Co'));
    });

    it('when a reader is just outside every range, then they are metered as anyone else', async () => {
      for (const address of ['203.0.112.255', '203.0.114.0', '198.51.100.127', '2001:db8:2::1', '::ffff:203.0.114.1', '2001:db8:2:2::9']) {
        const view = await request(t.app).get(`/articles/${fresh()}`).set('X-Forwarded-For', address).expect(200);
        expect([address, view.headers['x-access-decision']]).toEqual([address, 'metered']);
        expect(view.text).not.toContain('Access provided by');
      }
    });

    it('when a reader reads at the institution and then elsewhere, then nothing read at the institution was counted', async () => {
      const agent = request.agent(t.app);
      for (let i = 0; i < 4; i += 1) expect((await agent.get(`/articles/${fresh()}`).set('X-Forwarded-For', '203.0.113.50')).headers['x-access-decision']).toBe('institution');
      const away = await agent.get(`/articles/${fresh()}`).set('X-Forwarded-For', '192.0.2.50').expect(200);
      expect(away.headers['x-access-decision']).toBe('metered');
      expect(away.headers['x-meter-remaining']).toBe('0');
      expect((await agent.get(`/articles/${fresh()}`).set('X-Forwarded-For', '192.0.2.50')).headers['x-access-decision']).toBe('registration-wall');
    });

    it('when many new readers come from an institution\'s range, then newReadersPerNetwork neither counts nor caps them, nor their network\'s other readers', async () => {
      await settings({ anonymousLimit: 1, registeredLimit: 1, newReadersPerNetwork: 2 });
      const cookies: string[] = [];
      // 2001:db8:2:2:8000::/65 is half of a /64: the bound counts the /64 as one network.
      for (let i = 1; i <= 5; i += 1) {
        const view = await request(t.app).get(`/articles/${fresh()}`).set('X-Forwarded-For', `2001:db8:2:2:8000::${i}`).expect(200);
        expect(view.headers['x-access-decision']).toBe('institution');
        const cookie = readerCookieOf(view);
        expect(cookie).toBeDefined();
        expect(decodeURIComponent(cookie!)).not.toMatch(/\.c\d+\./);
        cookies.push(cookieHeader(view));
      }
      // The /64's readers outside the range still have the whole bound of 2 to themselves.
      const outside = [];
      for (let i = 1; i <= 3; i += 1) outside.push((await request(t.app).get(`/articles/${fresh()}`).set('X-Forwarded-For', `2001:db8:2:2::${i}`)).headers['x-access-decision']);
      expect(outside).toEqual(['metered', 'metered', 'registration-wall']);
      // And the institution's readers, away from it, have the anonymous allowance, uncapped.
      const away = await request(t.app).get(`/articles/${fresh()}`).set('Cookie', cookies[4]!).set('X-Forwarded-For', '192.0.2.77').expect(200);
      expect(away.headers['x-access-decision']).toBe('metered');
    });

    async function verifiedReader(email: string): Promise<Agent> {
      const { agent } = await signUp(t.app, email);
      const link = await verifyLinkTo(t.deps.config.dataDir, email);
      const page = await agent.get(link).expect(200);
      await agent.post(link).type('form').send({ _csrf: csrfTokenIn(page.text) }).expect(200);
      return agent;
    }
    const stamp = () => `${Date.now()}${(next += 1)}`;

    it('when a signed-in reader\'s VERIFIED email is in an institution\'s domain or a subdomain, then institution; unverified, or a look-alike domain, then not', async () => {
      const subdomain = await verifiedReader(`r${stamp()}@a.library.example`);
      for (const slug of [fresh(), 'premium-one']) {
        const view = await subdomain.get(`/articles/${slug}`).set('X-Forwarded-For', '192.0.2.10').expect(200);
        expect(view.headers['x-access-decision']).toBe('institution');
        expect(view.text).toContain(accessLine('City Library'));
      }
      const exact = await verifiedReader(`r${stamp()}@uni.example`);
      expect((await exact.get('/articles/premium-one').set('X-Forwarded-For', '192.0.2.10')).headers['x-access-decision']).toBe('institution');

      const lookalike = await verifiedReader(`r${stamp()}@evillibrary.example`);
      expect((await lookalike.get('/articles/premium-one').set('X-Forwarded-For', '192.0.2.10')).headers['x-access-decision']).toBe('paywall');
      const { agent: unverified } = await signUp(t.app, `r${stamp()}@library.example`);
      expect((await unverified.get('/articles/premium-one').set('X-Forwarded-For', '192.0.2.10')).headers['x-access-decision']).toBe('paywall');
      expect((await unverified.get(`/articles/${fresh()}`).set('X-Forwarded-For', '192.0.2.10')).headers['x-access-decision']).toBe('metered');
    });

    it('when institutions change, then this instance applies them on the next view, and another instance within a few seconds', async () => {
      const other = await startTestApp(mode, { shareStorageWith: t, env: { CONTENT_DIR: t.deps.config.contentDir } });
      try {
        // One article throughout: each cookieless view is a new reader, and the bound is off.
        const slug = fresh();
        const viewOn = async (app: TestApp) => (await request(app.app).get(`/articles/${slug}`).set('X-Forwarded-For', '203.0.113.77')).headers['x-access-decision'];
        expect(await viewOn(other)).toBe('institution');
        await putInstitutions([campus]).expect(200);
        expect(await viewOn(t)).toBe('metered');
        // Waits for the condition (the other instance's copy is at most a few seconds old), never a fixed time.
        const deadline = Date.now() + 15_000;
        let seen = await viewOn(other);
        while (seen === 'institution' && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 200));
          seen = await viewOn(other);
        }
        expect(seen).toBe('metered');
      } finally {
        await other.close();
      }
    });

    it('when readers read through an institution, then the admin sees distinct readers per institution and month', async () => {
      const id = `count-${stamp()}`;
      await putInstitutions([{ id, name: 'Counted', ipRanges: ['192.0.2.128/25'], emailDomains: [`${id}.example`] }, city]).expect(200);
      const first = request.agent(t.app);
      const second = request.agent(t.app);
      for (const agent of [first, second, first, second, first]) await agent.get(`/articles/${fresh()}`).set('X-Forwarded-For', '192.0.2.200').expect(200);
      const byEmail = await verifiedReader(`r${stamp()}@${id}.example`);
      await byEmail.get('/articles/premium-one').set('X-Forwarded-For', '192.0.2.1').expect(200);
      await byEmail.get(`/articles/${fresh()}`).set('X-Forwarded-For', '192.0.2.200').expect(200);
      // A peek and a free article count nobody.
      await request(t.app).get(`/api/access/${fresh()}`).set('X-Forwarded-For', '192.0.2.201').expect(200);
      await request(t.app).head(`/articles/${fresh()}`).set('X-Forwarded-For', '192.0.2.202').expect(200);
      await request(t.app).get('/articles/free-one').set('X-Forwarded-For', '192.0.2.203').expect(200);

      const figures = await request(t.app).get(`/admin/api/institutions/readers?month=${thisMonth()}`).set(admin()).expect(200);
      expect(figures.body).toEqual([{ id, name: 'Counted', readers: 3 }, { id: 'city-library', name: 'City Library', readers: expect.any(Number) }]);
      expect((await request(t.app).get('/admin/api/institutions/readers').set(admin()).expect(200)).body[0]).toEqual({ id, name: 'Counted', readers: 3 });
      expect((await request(t.app).get('/admin/api/institutions/readers?month=2001-01').set(admin()).expect(200)).body[0]).toEqual({ id, name: 'Counted', readers: 0 });
      expect((await request(t.app).get('/admin/api/institutions/readers?month=2026-13').set(admin()).expect(400)).body.fields).toHaveProperty('month');
      await request(t.app).get('/admin/api/institutions/readers').expect(401);
    });

    it('when an admin uses the console form, then the list and the month\'s readers show, and a bad list comes back with each field\'s error', async () => {
      const { agent, email } = await signUp(t.app);
      await t.deps.auth.accountsRepository.setAdmin(email, true);
      const page = await agent.get('/admin').expect(200);
      expect(page.text).toContain('href="#institutions"');
      expect(page.text).toContain('id="institutions"');
      expect(page.text).toContain('City Library');
      expect(page.text).toMatch(/Distinct readers in \d{4}-\d{2}/);

      const bad = await submitForm(agent, '/admin', '/admin/institutions', { institutions: JSON.stringify([{ id: 'x', name: 'X', ipRanges: ['0.0.0.0/0'], emailDomains: ['.x.example'] }]) });
      expect(bad.status).toBe(400);
      expect(bad.text).toContain('<code>0.ipRanges.0</code>');
      expect(bad.text).toContain('is too broad');
      expect(bad.text).toContain('<code>0.emailDomains.0</code>');
      expect(bad.text).toContain('&quot;0.0.0.0/0&quot;');
      const notJson = await submitForm(agent, '/admin', '/admin/institutions', { institutions: '[{' });
      expect(notJson.status).toBe(400);
      expect(notJson.text).toContain('<code>json</code>');

      const saved = await submitForm(agent, '/admin', '/admin/institutions', { institutions: JSON.stringify([{ id: 'form-made', name: 'Form Made', ipRanges: ['192.0.2.0/28'], emailDomains: [] }]) });
      expect(saved.status).toBe(303);
      expect(saved.headers.location).toBe('/admin?saved=institutions#institutions');
      expect((await agent.get('/admin?saved=institutions').expect(200)).text).toContain('Institutions saved.');
      expect((await request(t.app).get('/admin/api/institutions').set(admin()).expect(200)).body).toEqual([{ id: 'form-made', name: 'Form Made', ipRanges: ['192.0.2.0/28'], emailDomains: [] }]);
      // A reader who is no admin is refused the form.
      const { agent: reader } = await signUp(t.app);
      expect((await reader.post('/admin/institutions').type('form').send({ institutions: '[]', _csrf: csrfTokenIn((await reader.get('/account')).text) })).status).toBe(403);
    });
  });
}

describe.each(modes)('institutional access in front of an origin (%s)', (mode) => {
  describeMode(mode)(`origin source (${mode})`, () => {
    let origin: StaticOrigin;
    let t: TestApp;
    let apiKey: string;
    const settings = meterSettingsOf(() => t, () => apiKey);
    const article = (prefix: string, access?: string) => `<!doctype html><html><head><title>${prefix}</title>${access ? `<meta name="gatehouse:access" content="${access}">` : ''}<script type="application/ld+json">${JSON.stringify({ '@context': 'https://schema.org', '@type': 'NewsArticle', headline: prefix })}</script></head><body><article><h1>${prefix}</h1>${originParagraphs(prefix, 5).map((p) => `<p>${p}</p>`).join('')}</article></body></html>`;

    beforeAll(async () => {
      origin = await startStaticOrigin();
      t = await startTestApp(mode, { env: { ORIGIN_URL: origin.url, ORIGIN_SECRET: 'the-origin-secret' } });
      apiKey = (await t.deps.admin.apiKeys.create('origin tests')).key;
      await settings({ anonymousLimit: 0, newReadersPerNetwork: 0 });
      await request(t.app).put('/admin/api/institutions').set('Authorization', `Bearer ${apiKey}`).send([city]).expect(200);
    });
    afterAll(async () => {
      await t?.close();
      await origin?.close();
    });

    it('when a reader comes from an institution\'s range, then the proxied article is whole, decided institution, with the institution\'s line; others meet the wall', async () => {
      origin.route('/news/inst-metered/', { body: article('instm') });
      origin.route('/news/inst-premium/', { body: article('instp', 'premium') });
      for (const path of ['/news/inst-metered/', '/news/inst-premium/']) {
        const inside = await request(t.app).get(path).set('X-Forwarded-For', '203.0.113.33').expect(200);
        expect(inside.headers['x-access-decision']).toBe('institution');
        expect(inside.text).toContain(accessLine('City Library'));
        const prefix = path.includes('premium') ? 'instp' : 'instm';
        for (let n = 1; n <= 5; n += 1) expect(inside.text).toContain(`${prefix}p${n}x`);
        const outside = await request(t.app).get(path).set('X-Forwarded-For', '192.0.2.33').expect(200);
        expect(['registration-wall', 'paywall']).toContain(outside.headers['x-access-decision']);
        expect(outside.text).not.toContain('Access provided by');
        expect(outside.text).not.toContain(`${prefix}p5x`);
      }
    });
  });
});
