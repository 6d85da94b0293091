import request from 'supertest';
import { signUp } from '../support/http';
import { meterSettingsOf } from '../support/meter-settings';
import { startStaticOrigin, type StaticOrigin } from '../support/static-origin';
import { markerParagraphs } from '../support/wordpress';
import { describeMode, modes, startTestApp, type TestApp } from '../support/test-app';

/** Paragraphs that each carry a marker word (`<prefix>p<n>x`), so a test can tell which of them reached a reader. */
const paragraphs = markerParagraphs;
const markers = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}p${i + 1}x`);

/** An origin article page with every place a CMS or theme may copy the article's text. */
function articleHtml(prefix: string, options: { section?: string; access?: string; canonical?: string; count?: number } = {}): string {
  const text = paragraphs(prefix, options.count ?? 5);
  return `<!doctype html><html><head><title>${prefix} headline</title>
<meta name="description" content="${text[3]}">
<meta property="og:description" content="${text.join(' ')}">
${options.section ? `<meta property="article:section" content="${options.section}">` : ''}
${options.access ? `<meta name="gatehouse:access" content="${options.access}">` : ''}
${options.canonical ? `<link rel="canonical" href="${options.canonical}">` : ''}
<script type="application/ld+json">${JSON.stringify({ '@context': 'https://schema.org', '@type': 'NewsArticle', headline: `${prefix} headline`, articleBody: text.join('\n') })}</script>
<script id="__NEXT_DATA__" type="application/json">${JSON.stringify({ props: { body: text.join(' ') } })}</script>
</head><body><header class="site-header">The Origin Times</header>
<article><h1>${prefix} headline</h1>${text.map((t) => `<p>${t}</p>`).join('\n')}<noscript><p>${text[4]}</p></noscript></article>
<div class="print-only">${text.map((t) => `<p>${t}</p>`).join('')}</div>
<footer>Footer of the origin</footer></body></html>`;
}

const cookiesOf = (response: request.Response) => ([] as string[]).concat(response.headers['set-cookie'] ?? []);
const readerCookie = (response: request.Response) => cookiesOf(response).map((c) => c.split(';')[0]!).join('; ');

describe.each(modes)('in front of an origin (%s)', (mode) => {
  describeMode(mode)(`a static origin (${mode})`, () => {
    let origin: StaticOrigin;
    let t: TestApp;
    let apiKey: string;
    let now = Date.now();
    // Every request here is a new reader from one address: the new-readers bound is off, so that it does not cap them.
    const setSettings = meterSettingsOf(() => t, () => apiKey);
    const setMeter = (patch: Parameters<typeof setSettings>[0]) => setSettings({ newReadersPerNetwork: 0, ...patch });

    beforeAll(async () => {
      origin = await startStaticOrigin();
      t = await startTestApp(mode, {
        clock: () => now,
        env: { ORIGIN_URL: origin.url, ORIGIN_SECRET: 'the-origin-secret', ORIGIN_TIMEOUT_MS: '1500', ORIGIN_BLOCK_PATHS: '/members-only/*', ORIGIN_PASS_COOKIES: 'cms_lang' },
      });
      apiKey = (await t.deps.admin.apiKeys.create('origin tests')).key;
    });
    afterAll(async () => {
      await t?.close();
      await origin?.close();
    });
    beforeEach(async () => {
      // An empty cache for every test.
      await request(t.app).post('/admin/api/origin/purge').set('Authorization', `Bearer ${apiKey}`).send({ all: true }).expect(200);
      await setMeter({ anonymousLimit: 1, teaserParagraphs: 2 });
    });

    it('when a reader has used the allowance, then the next article is cut to its lead-in and no copy of the rest survives anywhere in the page', async () => {
      origin.route('/news/first/', { body: articleHtml('aa') });
      origin.route('/news/second/', { body: articleHtml('bb') });
      const first = await request(t.app).get('/news/first/').expect(200);
      expect(first.headers['x-access-decision']).toBe('metered');
      expect(first.headers['x-meter-limit']).toBe('1');
      expect(first.headers['x-meter-remaining']).toBe('0');
      for (const m of markers('aa', 5)) expect(first.text).toContain(m);
      expect(first.text).toContain('Footer of the origin');

      const second = await request(t.app).get('/news/second/').set('Cookie', readerCookie(first)).expect(200);
      expect(second.headers['x-access-decision']).toBe('registration-wall');
      expect(second.headers['cache-control']).toBe('private, no-store');
      const [lead1, lead2, ...rest] = markers('bb', 5);
      expect(second.text).toContain(lead1);
      expect(second.text).toContain(lead2);
      for (const m of rest) expect(second.text).not.toContain(m);
      expect(second.text).toContain('Sign in or Create a free account');
      expect(second.text).toContain('The Origin Times');
      expect(second.text).toContain('/gatehouse/origin.css');
      const ld = JSON.parse(/<script type="application\/ld\+json">(.*?)<\/script>/s.exec(second.text)![1]!) as Record<string, unknown>;
      expect(ld.isAccessibleForFree).toBe(false);
      expect(ld.articleBody).toBeUndefined();
      expect(ld.hasPart).toMatchObject({ cssSelector: '.paywalled-content' });
      expect(second.text).toMatch(/class="[^"]*paywalled-content/);
      // Link previews get Open Graph and Twitter tags the origin did not print (SPEC section 12).
      expect(second.text).toContain(`<meta property="og:url" content="${new URL('/news/second/', t.deps.config.publicUrl).href}">`);
      expect(second.text).toContain('<meta name="twitter:card" content="summary">');
    });

    it('when the same article is asked for with tracking parameters or through its canonical path, then it counts once', async () => {
      origin.route('/story/', { body: articleHtml('cc', { canonical: `${origin.url}/story/` }) });
      origin.route('/other/', { body: articleHtml('dd') });
      const first = await request(t.app).get('/story/?utm_source=x').expect(200);
      expect(first.headers['x-access-decision']).toBe('metered');
      const again = await request(t.app).get('/story/?utm_source=y').set('Cookie', readerCookie(first)).expect(200);
      expect(again.headers['x-access-decision']).toBe('metered');
      const other = await request(t.app).get('/other/').set('Cookie', readerCookie(first)).expect(200);
      expect(other.headers['x-access-decision']).toBe('registration-wall');
    });

    it('when a page says gatehouse:access or its section is premium in the settings, then the reader meets the paywall', async () => {
      await setMeter({ anonymousLimit: 5, teaserParagraphs: 2, sections: { investigations: 'premium' } });
      origin.route('/premium/', { body: articleHtml('ee', { access: 'premium' }) });
      origin.route('/inv/', { body: articleHtml('ff', { section: 'Investigations' }) });
      origin.route('/free/', { body: articleHtml('gg', { access: 'free' }) });
      const premium = await request(t.app).get('/premium/').expect(200);
      expect(premium.headers['x-access-decision']).toBe('paywall');
      expect(premium.text).not.toContain('eep3x');
      expect((await request(t.app).get('/inv/').expect(200)).headers['x-access-decision']).toBe('paywall');
      const free = await request(t.app).get('/free/').expect(200);
      expect(free.headers['x-access-decision']).toBe('free');
      expect(free.text).toContain('ggp5x');
    });

    it('when a reader sends HEAD or asks /api/access, then the decision comes without a body and nothing is counted', async () => {
      origin.route('/peek/', { body: articleHtml('hh') });
      origin.route('/peek2/', { body: articleHtml('ii') });
      const head = await request(t.app).head('/peek/').expect(200);
      expect(head.headers['x-access-decision']).toBe('metered');
      expect(head.text ?? '').toBe('');
      const api = await request(t.app).get('/api/access/peek/').expect(200);
      expect(api.body).toEqual({ decision: 'metered', limit: 1, remaining: 1 });
      const view = await request(t.app).get('/peek/').expect(200);
      expect(view.headers['x-meter-remaining']).toBe('0');
      const after = await request(t.app).get('/api/access/peek2/').set('Cookie', readerCookie(view)).expect(200);
      expect(after.body.decision).toBe('registration-wall');
      await request(t.app).get('/api/access/no-such-page/').expect(404);
    });

    it('when Gatehouse asks the origin, then it sends the origin secret and none of the reader\'s cookies or credentials, and passes on only allowed cookies', async () => {
      origin.route('/hygiene/', { body: articleHtml('jj', { access: 'free' }), headers: { 'content-type': 'text/html; charset=utf-8', 'set-cookie': ['cms_session=secret; Path=/', 'cms_lang=en; Path=/'], etag: '"v1"', 'last-modified': 'Tue, 10 Nov 2026 10:00:00 GMT' } });
      const before = origin.requests.length;
      const page = await request(t.app).get('/hygiene/').set('Cookie', 'gatehouse.sid=abc; wordpress_logged_in=evil').set('Authorization', 'Basic dXNlcjpwYXNz').expect(200);
      const sent = origin.requests.slice(before).find((r) => r.url === '/hygiene/')!;
      expect(sent.headers['x-gatehouse-origin-secret']).toBe('the-origin-secret');
      expect(sent.headers.cookie).toBeUndefined();
      expect(sent.headers.authorization).toBeUndefined();
      const cookies = cookiesOf(page).join('\n');
      expect(cookies).toContain('cms_lang=en');
      expect(cookies).not.toContain('cms_session');
      expect(page.headers['x-gatehouse-origin-secret']).toBeUndefined();
    });

    it('when one of Gatehouse\'s own paths is spelt encoded, dotted or with doubled slashes, then it stays Gatehouse\'s and never reaches the CMS\'s page there', async () => {
      for (const path of ['/admin', '/gifts', '/groups/join/abc', '/account']) origin.route(path, { body: '<p>the CMS page</p>', headers: { 'content-type': 'text/html; charset=utf-8' } });
      const before = origin.requests.length;
      for (const path of ['/%61dmin', '//gifts', '/./account', '/%2fgroups/join/abc', '/groups%2Fjoin%2Fabc', '/gifts%2f']) {
        const answer = await request(t.app).get(path);
        expect([path, answer.status]).toEqual([path, 404]);
        expect(answer.text).not.toContain('the CMS page');
        expect((await request(t.app).post(path).type('form').send({ x: '1' })).text).not.toContain('the CMS page');
      }
      expect(origin.requests.slice(before)).toEqual([]);
    });

    it('when a reader sends the origin\'s ETag back, then the origin never sees the condition and the reader gets the page for its decision, not a 304 of a full copy', async () => {
      origin.route('/cond/', { body: articleHtml('kk'), headers: { 'content-type': 'text/html; charset=utf-8', etag: '"full"', 'last-modified': 'Tue, 10 Nov 2026 10:00:00 GMT' } });
      origin.route('/cond-first/', { body: articleHtml('ll') });
      const first = await request(t.app).get('/cond-first/').expect(200);
      const before = origin.requests.length;
      const cut = await request(t.app).get('/cond/').set('Cookie', readerCookie(first)).set('If-None-Match', '"full"').set('If-Modified-Since', 'Tue, 10 Nov 2026 10:00:00 GMT').expect(200);
      expect(cut.headers['x-access-decision']).toBe('registration-wall');
      expect(cut.headers.etag).toBeUndefined();
      expect(cut.headers['last-modified']).toBeUndefined();
      expect(cut.text).not.toContain('kkp3x');
      for (const r of origin.requests.slice(before)) {
        expect(r.headers['if-none-match']).toBeUndefined();
        expect(r.headers['if-modified-since']).toBeUndefined();
      }
    });

    it('when the origin compresses its pages or uses another charset, then the reader gets them decoded, as UTF-8', async () => {
      origin.route('/gz/', { body: articleHtml('mm', { access: 'free' }), gzip: true });
      origin.route('/latin/', { body: Buffer.from(`<html><head><title>t</title></head><body><article><p>Caf\xe9 mmlatinx</p></article></body></html>`, 'latin1'), headers: { 'content-type': 'text/html; charset=iso-8859-1' } });
      const gz = await request(t.app).get('/gz/').set('Accept-Encoding', 'identity').expect(200);
      expect(gz.text).toContain('mmp5x');
      const latin = await request(t.app).get('/latin/').expect(200);
      expect(latin.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(latin.text).toContain('Café');
    });

    it('when the origin redirects, then the Location is on Gatehouse\'s address', async () => {
      origin.route('/old/', { status: 301, body: '', headers: { location: `${origin.url}/new/` } });
      const moved = await request(t.app).get('/old/').expect(301);
      expect(moved.headers.location).toBe(new URL('/new/', t.deps.config.publicUrl).href);
    });

    it('when a file is not a page, then it streams through untouched', async () => {
      const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47]), Buffer.alloc(70_000, 7)]);
      origin.route('/images/a.png', { body: png, headers: { 'content-type': 'image/png', 'cache-control': 'public, max-age=600' } });
      const image = await request(t.app).get('/images/a.png').buffer(true).parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      }).expect(200);
      expect(Buffer.compare(image.body as Buffer, png)).toBe(0);
      expect(image.headers['cache-control']).toBe('public, max-age=600');
    });

    it('when a script file turns out to be text Gatehouse checks, then the streamed copy is dropped without harm and the checked one is served', async () => {
      origin.route('/theme/app.js', { body: 'console.log("theme");', headers: { 'content-type': 'application/javascript' } });
      origin.route('/theme/style.css', { body: 'body { color: red }', headers: { 'content-type': 'text/css' } });
      for (let i = 0; i < 3; i += 1) {
        expect((await request(t.app).get('/theme/app.js').expect(200)).text).toBe('console.log("theme");');
        await request(t.app).head('/theme/app.js').expect(200);
      }
      expect((await request(t.app).get('/theme/style.css').expect(200)).text).toBe('body { color: red }');
    });

    it('when the origin labels an article page as bytes or plain text, even at a file-like path, then it is still cut', async () => {
      origin.route('/first-of-two/', { body: articleHtml('va') });
      origin.route('/b.css', { body: articleHtml('vb'), headers: { 'content-type': 'application/octet-stream' } });
      origin.route('/c.txt', { body: articleHtml('vc'), headers: { 'content-type': 'text/plain' } });
      const first = await request(t.app).get('/first-of-two/').expect(200);
      for (const [path, prefix] of [['/b.css', 'vb'], ['/c.txt', 'vc']] as const) {
        const res = await request(t.app).get(path).set('Cookie', readerCookie(first)).buffer(true).parse((r, done) => {
          let text = '';
          r.on('data', (c: Buffer) => (text += c.toString()));
          r.on('end', () => done(null, text));
        });
        expect([path, res.headers['x-access-decision'], (res.body as string).includes(`${prefix}p3x`)]).toEqual([path, 'registration-wall', false]);
      }
    });

    it('when the origin grants CORS, then no grant with credentials reaches the reader, and none at all on a page made for them', async () => {
      const cors = { 'access-control-allow-origin': 'https://sub.example', 'access-control-allow-credentials': 'true' };
      origin.route('/cors/', { body: articleHtml('vd', { access: 'free' }), headers: { 'content-type': 'text/html', ...cors } });
      origin.route('/cors.png', { body: Buffer.from([0x89, 0x50]), headers: { 'content-type': 'image/png', ...cors } });
      const page = await request(t.app).get('/cors/').expect(200);
      expect(page.headers['access-control-allow-origin']).toBeUndefined();
      expect(page.headers['access-control-allow-credentials']).toBeUndefined();
      const image = await request(t.app).get('/cors.png').expect(200);
      expect(image.headers['access-control-allow-origin']).toBe('https://sub.example');
      expect(image.headers['access-control-allow-credentials']).toBeUndefined();
    });

    it('when a reader uses a method the origin is not asked with (WebDAV and the like), then 405', async () => {
      origin.route('/dav/', { body: articleHtml('ve') });
      const before = origin.requests.length;
      for (const method of ['PROPFIND', 'MKCOL', 'TRACE']) {
        const res = await request(t.app)[method.toLowerCase() as 'get'](`/dav/`);
        expect([method, res.status]).toEqual([method, 405]);
      }
      expect(origin.requests.length).toBe(before);
    });

    it('when a feed carries a gated article in full, then its item is cut to the lead-in, whoever asks', async () => {
      origin.route('/feed-article/', { body: articleHtml('nn') });
      const full = paragraphs('nn', 5).map((p) => `<p>${p}</p>`).join('');
      origin.route('/feed/', {
        headers: { 'content-type': 'application/rss+xml; charset=UTF-8' },
        body: `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>T</title><item><title>nn</title><link>${t.deps.config.publicUrl.origin}/feed-article/</link><description><![CDATA[${full}]]></description><content:encoded><![CDATA[${full}]]></content:encoded></item></channel></rss>`,
      });
      const feed = await request(t.app).get('/feed/').buffer(true).parse((res, done) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => done(null, text));
      }).expect(200);
      const xml = feed.body as string;
      expect(xml).toContain('nnp1x');
      expect(xml).toContain('nnp2x');
      for (const m of markers('nn', 5).slice(2)) expect(xml).not.toContain(m);
    });

    it('when an index page shows a gated article in full, then the paragraphs past its lead-in are removed (the second line of defence)', async () => {
      origin.route('/listed/', { body: articleHtml('oo') });
      origin.route('/free-listed/', { body: articleHtml('pp', { access: 'free' }) });
      const post = (prefix: string, path: string) => `<article><h2><a href="${path}">${prefix}</a></h2>${paragraphs(prefix, 5).map((p) => `<p>${p}</p>`).join('')}</article>`;
      origin.route('/', { body: `<html><head><title>Home</title></head><body><main>${post('oo', '/listed/')}${post('pp', '/free-listed/')}</main></body></html>` });
      const home = await request(t.app).get('/').expect(200);
      expect(home.text).toContain('oop1x');
      for (const m of markers('oo', 5).slice(2)) expect(home.text).not.toContain(m);
      for (const m of markers('pp', 5)) expect(home.text).toContain(m);
    });

    it('when the origin is down, then a cached page is served stale, and an uncached one is a readable 502', async () => {
      origin.route('/stale/', { body: articleHtml('qq', { access: 'free' }), headers: { 'content-type': 'text/html', 'cache-control': 'max-age=1' } });
      await request(t.app).get('/stale/').expect(200);
      await origin.stop();
      try {
        now += 5000;
        const stale = await request(t.app).get('/stale/').expect(200);
        expect(stale.text).toContain('qqp5x');
        const down = await request(t.app).get('/never-seen/').expect(502);
        expect(down.text).toContain('could not be reached');
      } finally {
        await origin.start();
      }
    });

    it('when the origin is slower than ORIGIN_TIMEOUT_MS, then the reader gets the 502 page, not the late answer', async () => {
      origin.route('/slow/', { body: articleHtml('qr', { access: 'free' }), delayMs: 4000 });
      const slow = await request(t.app).get('/slow/').expect(502);
      expect(slow.text).toContain('could not be reached');
      expect(slow.text).not.toContain('qrp1x');
    });

    it('when the publisher purges a path, then the next view fetches it again', async () => {
      origin.route('/purge-me/', { body: articleHtml('rr', { access: 'free' }), headers: { 'content-type': 'text/html', 'cache-control': 'max-age=3600' } });
      await request(t.app).get('/purge-me/').expect(200);
      await request(t.app).get('/purge-me/').expect(200);
      expect(origin.hits('/purge-me/')).toBe(1);
      origin.route('/purge-me/', { body: articleHtml('rs', { access: 'free' }), headers: { 'content-type': 'text/html', 'cache-control': 'max-age=3600' } });
      await request(t.app).post('/admin/api/origin/purge').send({ paths: ['/purge-me/'] }).expect(401);
      await request(t.app).post('/admin/api/origin/purge').set('Authorization', `Bearer ${apiKey}`).send({ paths: ['no-slash'] }).expect(400);
      await request(t.app).post('/admin/api/origin/purge').set('Authorization', `Bearer ${apiKey}`).send({ paths: ['/purge-me/'] }).expect(200);
      expect((await request(t.app).get('/purge-me/').expect(200)).text).toContain('rsp5x');
      expect(origin.hits('/purge-me/')).toBe(2);
    });

    it('when a path is Gatehouse\'s own, blocked, or not readable, then the origin never sees it', async () => {
      origin.route('/signin', { body: 'origin sign-in' });
      origin.route('/members-only/x', { body: articleHtml('ss', { access: 'free' }) });
      const before = origin.requests.length;
      const signin = await request(t.app).get('/signin').expect(200);
      expect(signin.text).not.toContain('origin sign-in');
      await request(t.app).get('/Members-Only/x').expect(404);
      await request(t.app).get('/members-only//x').expect(404);
      await request(t.app).get('/%6dembers-only/x').expect(404);
      await request(t.app).get('/a%00b').expect(400);
      expect(origin.requests.slice(before)).toEqual([]);
    });

    it('when a reader signs up from the gate, then they come back to the article, the registered allowance applies, and a subscriber reads premium articles and full listings', async () => {
      await setMeter({ anonymousLimit: 1, registeredLimit: 2, teaserParagraphs: 2 });
      origin.route('/s1/', { body: articleHtml('ta') });
      origin.route('/s2/', { body: articleHtml('tb') });
      origin.route('/s3/', { body: articleHtml('tc') });
      origin.route('/s-premium/', { body: articleHtml('td', { access: 'premium' }) });
      origin.route('/s-index/', { body: `<html><body><article><a href="/s3/">s3</a>${paragraphs('tc', 5).map((p) => `<p>${p}</p>`).join('')}</article><article><a href="/s1/">s1</a></article></body></html>` });
      const anonymous = await request(t.app).get('/s1/').expect(200);
      const wall = await request(t.app).get('/s2/').set('Cookie', readerCookie(anonymous)).expect(200);
      expect(wall.headers['x-access-decision']).toBe('registration-wall');
      const signUpLink = /href="(\/signup\?returnTo=[^"]+)"/.exec(wall.text)![1]!;
      expect(decodeURIComponent(signUpLink.split('returnTo=')[1]!)).toBe('/s2/');
      const { agent, email, response } = await signUp(t.app, undefined, undefined, '/s2/');
      expect(response.headers.location).toBe('/s2/');
      await agent.get('/s1/').expect(200);
      const registered = await agent.get('/s2/').expect(200);
      expect(registered.headers['x-access-decision']).toBe('metered');
      expect(registered.text).toContain('Your account');
      expect(registered.text).toContain('tbp5x');
      const paywall = await agent.get('/s3/').expect(200);
      expect(paywall.headers['x-access-decision']).toBe('paywall');
      expect(paywall.text).not.toContain('tcp3x');
      expect((await agent.get('/s-index/').expect(200)).text).not.toContain('tcp3x');
      const account = await t.deps.auth.accountsRepository.findByEmail(email);
      await t.deps.meter.entitlements.set(account!.id, 'subscriber', null);
      await t.deps.meter.store.cacheEntitlement(account!.id, 'subscriber');
      const premium = await agent.get('/s-premium/').expect(200);
      expect(premium.headers['x-access-decision']).toBe('subscriber');
      expect(premium.text).toContain('tdp5x');
      expect((await agent.get('/s-index/').expect(200)).text).toContain('tcp5x');
    });

    it('when a metered article is asked for with POST, then the answer is cut: no other method reads it for nothing', async () => {
      origin.route('/posted/', { body: articleHtml('ua') });
      for (const method of ['post', 'put', 'patch', 'delete', 'options'] as const) {
        const res = await request(t.app)[method]('/posted/').send('x=1');
        expect([method, res.text.includes('uap1x'), res.text.includes('uap3x')]).toEqual([method, true, false]);
      }
      await request(t.app).trace('/posted/').expect(405);
    });

    it('when a JSON or JSONP answer names a gated article it has never been asked for, then that article is learnt and its rest taken out', async () => {
      const base = t.deps.config.publicUrl.origin;
      origin.route('/unseen/', { body: articleHtml('ub') });
      const rest = paragraphs('ub', 5).join(' ');
      origin.route('/api/posts.json', { body: JSON.stringify([{ link: `${base}/unseen/`, content: rest }]), headers: { 'content-type': 'application/json' } });
      origin.route('/jsonp', { body: `cb(${JSON.stringify([{ link: `${base}/unseen/`, content: rest }])})`, headers: { 'content-type': 'application/javascript' } });
      const json = await request(t.app).get('/api/posts.json');
      expect(json.status).toBe(404); // /api is Gatehouse's own: the CMS's API must live elsewhere
      origin.route('/cms-api/posts.json', { body: JSON.stringify([{ link: `${base}/unseen/`, content: rest }]), headers: { 'content-type': 'application/json' } });
      const scrubbed = await request(t.app).get('/cms-api/posts.json').expect(200);
      expect(JSON.stringify(scrubbed.body)).not.toContain('ubp3x');
      await request(t.app).get('/jsonp').expect(404);
    });

    it('when the publisher purges a path as WordPress spells it (lower-case escapes), then the cached copy goes', async () => {
      origin.route('/caf%C3%A9/', { body: articleHtml('uc', { access: 'free' }), headers: { 'content-type': 'text/html', 'cache-control': 'max-age=3600' } });
      await request(t.app).get('/caf%c3%a9/').expect(200);
      await request(t.app).get('/caf%C3%A9/').expect(200);
      expect(origin.hits('/caf%C3%A9/')).toBe(1);
      await request(t.app).post('/admin/api/origin/purge').set('Authorization', `Bearer ${apiKey}`).send({ paths: ['/caf%c3%a9/'] }).expect(200);
      await request(t.app).get('/caf%C3%A9/').expect(200);
      expect(origin.hits('/caf%C3%A9/')).toBe(2);
    });

    it('when a reader sends headers a plugin might trust, then the origin never sees them', async () => {
      origin.route('/headers', { body: '<html><body><p>ok</p></body></html>' });
      const before = origin.requests.length;
      await request(t.app).post('/headers').set('True-Client-IP', '1.2.3.4').set('X-Original-URL', '/wp-admin/').set('X-HTTP-Method-Override', 'DELETE').send('a=1').expect(200);
      const sent = origin.requests.slice(before).find((r) => r.url === '/headers')!;
      expect(sent.headers['true-client-ip']).toBeUndefined();
      expect(sent.headers['x-original-url']).toBeUndefined();
      expect(sent.headers['x-http-method-override']).toBeUndefined();
    });

    it('when a reader posts a form to the origin, then the body arrives and the reader\'s cookies do not', async () => {
      origin.route('/contact', { body: '<html><body><p>Thanks</p></body></html>' });
      const before = origin.requests.length;
      await request(t.app).post('/contact').set('Cookie', 'gatehouse.sid=abc').type('form').send('name=Ann&message=hello').expect(200);
      const sent = origin.requests.slice(before).find((r) => r.url === '/contact')!;
      expect(sent.method).toBe('POST');
      expect(sent.body.toString()).toBe('name=Ann&message=hello');
      expect(sent.headers.cookie).toBeUndefined();
    });
  });
});
