import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import request from 'supertest';
import { marker, makeFixtureContent } from '../support/fixture-content';
import { ptrNameOf, startDnsServer, type TestDnsServer } from '../support/dns-server';
import { describeMode, modes, startTestApp, type TestApp } from '../support/test-app';

const googlebot = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
const bingbot = 'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0 Safari/537.36';
const browser = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const now = Date.parse('2026-11-10T12:00:00Z');

const googleByDns = '66.249.66.1';
const googleByRange = '66.249.64.9';
const bingByRange = '40.77.167.20';
const spoofedPtr = '203.0.113.9';
const elsewhere = '192.0.2.77';

const cookiesOf = (response: request.Response) => ([] as string[]).concat(response.headers['set-cookie'] ?? []);
const jsonLdOf = (html: string) => JSON.parse(/<script type="application\/ld\+json">(.*?)<\/script>/s.exec(html)![1]!) as Record<string, unknown>;
const metaOf = (html: string, key: string) => new RegExp(`<meta (?:property|name)="${key}" content="([^"]*)">`).exec(html)?.[1];

/** The fixture articles, and three of this file's own: with a picture, recent, and not yet published. */
function content(): string {
  const dir = makeFixtureContent();
  const write = (slug: string, front: string, body: string) => fs.writeFileSync(path.join(dir, `${slug}.md`), `---\n${front}\n---\n${body}\n`);
  write('pictured', 'title: "Harbour & <Sea> wall"\npublished: 2026-11-09T18:00:00Z\nsummary: The summary of a pictured story.\nimage: /static/harbour.jpg', 'First PICTUREDLEAD.\n\nSecond.\n\nThird PICTUREDREST.');
  write('tomorrow', 'title: Not yet\npublished: 2026-11-11T08:00:00Z', 'Soon.');
  return dir;
}

async function rangesServer(): Promise<{ url: string; fail(on: boolean): void; close(): Promise<void> }> {
  let failing = false;
  const server = http.createServer((_req, res) => {
    if (failing) return res.writeHead(503).end('unavailable');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ prefixes: [{ ipv4Prefix: '66.249.64.0/27' }, { ipv6Prefix: '2001:4860:4801:10::/64' }] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/googlebot.json`,
    fail: (on) => (failing = on),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

for (const mode of modes) {
  describeMode(mode)(`search engines, crawlers and link previews (SPEC section 12, ${mode})`, () => {
    let t: TestApp;
    let dns: TestDnsServer;
    let ranges: Awaited<ReturnType<typeof rangesServer>>;
    let contentDir: string;

    beforeAll(async () => {
      dns = await startDnsServer();
      dns.set(ptrNameOf(googleByDns), [{ type: 'PTR', value: 'crawl-66-249-66-1.googlebot.com' }]);
      dns.set('crawl-66-249-66-1.googlebot.com', [{ type: 'A', value: googleByDns }]);
      dns.set(ptrNameOf(spoofedPtr), [{ type: 'PTR', value: 'crawl-66-249-66-2.googlebot.com' }]);
      dns.set('crawl-66-249-66-2.googlebot.com', [{ type: 'A', value: '66.249.66.2' }]);
      ranges = await rangesServer();
      contentDir = content();
      const bingFile = path.join(contentDir, '..', `${path.basename(contentDir)}-bingbot.json`);
      fs.writeFileSync(bingFile, JSON.stringify({ prefixes: [{ ipv4Prefix: '40.77.167.0/24' }] }));
      t = await startTestApp(mode, {
        clock: () => now,
        env: { CONTENT_DIR: contentDir, CRAWLER_DNS_SERVERS: dns.address, CRAWLER_IP_RANGES: `googlebot=${ranges.url},bingbot=${bingFile}`, PUBLIC_URL: 'https://news.example' },
      });
    });
    afterAll(async () => {
      await t.close();
      await ranges.close();
      await dns.close();
    });

    it('when a verified Googlebot reads every article, then each comes whole with X-Access-Decision crawler (or free), no cookie, and the meter is never asked to count', async () => {
      const view = jest.spyOn(t.deps.meter.store, 'view');
      try {
        for (const article of await t.deps.articles.source!.list()) {
          const res = await request(t.app).get(`/articles/${article.slug}`).set('User-Agent', googlebot).set('X-Forwarded-For', googleByDns).expect(200);
          expect([article.slug, res.headers['x-access-decision']]).toEqual([article.slug, article.access === 'free' ? 'free' : 'crawler']);
          expect(cookiesOf(res)).toEqual([]);
          expect(res.headers['x-meter-limit']).toBeUndefined();
        }
        expect(view.mock.calls.filter(([query]) => query.mode !== 'check')).toEqual([]);
      } finally {
        view.mockRestore();
      }
      const marked = await request(t.app).get('/articles/marked').set('User-Agent', googlebot).set('X-Forwarded-For', googleByDns).expect(200);
      expect(marked.text).toContain(marker(6));
      const premium = await request(t.app).get('/articles/premium-one').set('User-Agent', googlebot).set('X-Forwarded-For', googleByDns).expect(200);
      expect(premium.text).toContain(marker(6));
    });

    it('when a crawler reads the whole article, then the JSON-LD still says paywalled, and hasPart names the class of the element that holds the gated part', async () => {
      const res = await request(t.app).get('/articles/marked').set('User-Agent', googlebot).set('X-Forwarded-For', googleByDns).expect(200);
      const jsonLd = jsonLdOf(res.text);
      expect(jsonLd).toMatchObject({ isAccessibleForFree: false, hasPart: { '@type': 'WebPageElement', isAccessibleForFree: false, cssSelector: '.paywalled-content' } });
      const gated = /<div class="paywalled-content">([\s\S]*?)<\/div>/.exec(res.text)![1]!;
      expect(gated).toContain(marker(3));
      expect(gated).toContain(marker(6));
      expect(gated).not.toContain(marker(2));
    });

    it('when the same Googlebot User-Agent comes from another address, or from a spoofed PTR, then it meets the gate like any anonymous reader', async () => {
      for (const address of [elsewhere, spoofedPtr]) {
        const premium = await request(t.app).get('/articles/premium-one').set('User-Agent', googlebot).set('X-Forwarded-For', address).expect(200);
        expect(premium.headers['x-access-decision']).toBe('paywall');
        expect(premium.text).not.toContain(marker(3));
        const metered = await request(t.app).get('/articles/m1').set('User-Agent', googlebot).set('X-Forwarded-For', address).expect(200);
        expect(metered.headers['x-access-decision']).toBe('metered');
        expect(metered.headers['x-meter-remaining']).toBe('2');
        expect(cookiesOf(metered).some((c) => c.startsWith('__Host-gatehouse.reader='))).toBe(true);
      }
    });

    it('when Bingbot and Googlebot come from their published ranges (a file and a URL), then they are verified without DNS', async () => {
      const asked = dns.questions.length;
      const bing = await request(t.app).get('/articles/premium-one').set('User-Agent', bingbot).set('X-Forwarded-For', bingByRange).expect(200);
      const google = await request(t.app).get('/articles/premium-one').set('User-Agent', googlebot).set('X-Forwarded-For', googleByRange).expect(200);
      const google6 = await request(t.app).get('/articles/premium-one').set('User-Agent', googlebot).set('X-Forwarded-For', '2001:4860:4801:10::7').expect(200);
      expect([bing, google, google6].map((r) => r.headers['x-access-decision'])).toEqual(['crawler', 'crawler', 'crawler']);
      expect(dns.questions.length).toBe(asked);
      // Bing's range does not make a Googlebot.
      const crossed = await request(t.app).get('/articles/premium-one').set('User-Agent', googlebot).set('X-Forwarded-For', bingByRange).expect(200);
      expect(crossed.headers['x-access-decision']).toBe('paywall');
    });

    it('when the ranges URL fails on reload, then the last good list is kept', async () => {
      ranges.fail(true);
      try {
        await t.deps.crawlers.ranges.reload();
        const res = await request(t.app).get('/articles/premium-one').set('User-Agent', googlebot).set('X-Forwarded-For', googleByRange).expect(200);
        expect(res.headers['x-access-decision']).toBe('crawler');
      } finally {
        ranges.fail(false);
      }
    });

    it('when a verified crawler peeks (HEAD, /api/access), then it gets the crawler decision too, with no cookie', async () => {
      const head = await request(t.app).head('/articles/premium-one').set('User-Agent', googlebot).set('X-Forwarded-For', googleByDns).expect(200);
      expect(head.headers['x-access-decision']).toBe('crawler');
      const api = await request(t.app).get('/api/access/m2').set('User-Agent', googlebot).set('X-Forwarded-For', googleByDns).expect(200);
      expect(api.body).toEqual({ decision: 'crawler', limit: null, remaining: null });
      expect(cookiesOf(api)).toEqual([]);
    });

    it('when the publisher removes Googlebot from the crawlers setting, then a verified Googlebot meets the gate', async () => {
      const { key } = await t.deps.admin.apiKeys.create('crawlers');
      const auth = { Authorization: `Bearer ${key}` };
      const current = (await request(t.app).get('/admin/api/meter').set(auth).expect(200)).body;
      await request(t.app).put('/admin/api/meter').set(auth).send({ ...current, crawlers: ['bingbot'] }).expect(200);
      try {
        const res = await request(t.app).get('/articles/premium-one').set('User-Agent', googlebot).set('X-Forwarded-For', googleByDns).expect(200);
        expect(res.headers['x-access-decision']).toBe('paywall');
      } finally {
        await request(t.app).put('/admin/api/meter').set(auth).send(current).expect(200);
      }
    });

    it.each(['facebookexternalhit/1.1', 'Twitterbot/1.0', 'Slackbot-LinkExpanding 1.0', 'LinkedInBot/1.0', 'WhatsApp/2.23.20.0', 'Discordbot/2.0'])(
      'when the link preview %s fetches a metered article, then it gets the lead-in and the card tags, uncounted and without a reader id',
      async (userAgent) => {
        const view = jest.spyOn(t.deps.meter.store, 'view');
        try {
          const res = await request(t.app).get('/articles/marked').set('User-Agent', userAgent).set('X-Forwarded-For', elsewhere).expect(200);
          expect(res.headers['x-access-decision']).toBe('registration-wall');
          expect(res.text).toContain(marker(2));
          expect(res.text).not.toContain(marker(3));
          expect(cookiesOf(res)).toEqual([]);
          expect(metaOf(res.text, 'og:title')).toBe('The marked article');
          expect(metaOf(res.text, 'og:description')).toBe('A summary anyone may see.');
          expect(view.mock.calls.filter(([query]) => query.mode !== 'check')).toEqual([]);
        } finally {
          view.mockRestore();
        }
      },
    );

    it('when any article page is sent, then it carries Open Graph and Twitter card tags: title, summary, absolute image and URL', async () => {
      const res = await request(t.app).get('/articles/pictured').set('User-Agent', browser).set('X-Forwarded-For', elsewhere).expect(200);
      expect(metaOf(res.text, 'og:title')).toBe('Harbour &amp; &lt;Sea&gt; wall');
      expect(metaOf(res.text, 'og:description')).toBe('The summary of a pictured story.');
      expect(metaOf(res.text, 'og:image')).toBe('https://news.example/static/harbour.jpg');
      expect(metaOf(res.text, 'twitter:image')).toBe('https://news.example/static/harbour.jpg');
      expect(metaOf(res.text, 'twitter:card')).toBe('summary_large_image');
      expect(metaOf(res.text, 'og:url')).toBe('https://news.example/articles/pictured');
      const gated = await request(t.app).get('/articles/premium-one').set('X-Forwarded-For', elsewhere).expect(200);
      expect(metaOf(gated.text, 'twitter:card')).toBe('summary');
      expect(metaOf(gated.text, 'og:description')).toBeUndefined();
      expect(gated.text.match(/<meta [^>]*>/g)!.join('')).not.toMatch(/Premium lead|ZEBRAMARK/);
    });

    it('when /sitemap.xml is asked for, then it lists every article, XML-escaped', async () => {
      const res = await request(t.app).get('/sitemap.xml').expect(200);
      expect(res.headers['content-type']).toContain('application/xml');
      const locs = [...res.text.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => m[1]);
      expect(locs).toHaveLength((await t.deps.articles.source!.list()).length);
      expect(locs).toContain('https://news.example/articles/pictured');
    });

    it('when /news-sitemap.xml is asked for, then it lists only articles of the last 48 hours, in Google News format', async () => {
      const res = await request(t.app).get('/news-sitemap.xml').expect(200);
      expect(res.text).toContain('xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"');
      const locs = [...res.text.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => m[1]);
      expect(locs).toEqual(['https://news.example/articles/pictured']);
      expect(res.text).toContain('<news:publication><news:name>The Harbour Ledger</news:name><news:language>en</news:language></news:publication>');
      expect(res.text).toContain('<news:publication_date>2026-11-09T18:00:00.000Z</news:publication_date><news:title>Harbour &amp; &lt;Sea&gt; wall</news:title>');
    });

    if (mode === 'production') {
      it('when DNS has verified an address, then the answer is in Redis for the other instances, with its TTL', async () => {
        await request(t.app).get('/articles/m4').set('User-Agent', googlebot).set('X-Forwarded-For', googleByDns).expect(200);
        const key = `${t.deps.config.redisKeyPrefix}crawler-dns:${googleByDns}`;
        expect(JSON.parse((await t.deps.redis!.get(key))!)).toMatchObject({ crawler: 'googlebot' });
        expect(await t.deps.redis!.pttl(key)).toBeGreaterThan(0);
      });
    }

    it('when /metrics is scraped, then verifications are counted by crawler and result, and decisions include crawler', async () => {
      await request(t.app).get('/articles/m3').set('User-Agent', googlebot).set('X-Forwarded-For', googleByDns).expect(200);
      const res = await request(t.app).get('/metrics').expect(200);
      expect(res.text).toMatch(/gatehouse_crawler_verifications_total\{crawler="googlebot",result="cached-verified"\} [1-9]/);
      expect(res.text).toMatch(/gatehouse_crawler_verifications_total\{crawler="googlebot",result="verified"\} [1-9]/);
      expect(res.text).toMatch(/gatehouse_crawler_verifications_total\{crawler="googlebot",result="failed"\} [1-9]/);
      expect(res.text).toMatch(/gatehouse_crawler_verifications_total\{crawler="googlebot",result="not-allowed"\} [1-9]/);
      expect(res.text).toMatch(/gatehouse_access_decisions_total\{decision="crawler"\} [1-9]/);
    });
  });

  describeMode(mode)(`crawler verification when the DNS server never answers (${mode})`, () => {
    let t: TestApp;
    let dns: TestDnsServer;
    beforeAll(async () => {
      dns = await startDnsServer({ silent: true });
      t = await startTestApp(mode, { env: { CONTENT_DIR: makeFixtureContent(), CRAWLER_DNS_SERVERS: dns.address } });
    });
    afterAll(async () => {
      await t.close();
      await dns.close();
    });

    it('when Googlebot claims and DNS times out, then the page is the anonymous one, decided at the deadline rather than after the resolver gives up', async () => {
      const res = await request(t.app).get('/articles/premium-one').set('User-Agent', googlebot).set('X-Forwarded-For', googleByDns).expect(200);
      expect(res.headers['x-access-decision']).toBe('paywall');
      expect(res.text).not.toContain(marker(3));
      const metrics = await request(t.app).get('/metrics').expect(200);
      expect(metrics.text).toMatch(/gatehouse_crawler_verifications_total\{crawler="googlebot",result="timeout"\} 1/);
      expect(dns.questions).toEqual([`PTR ${ptrNameOf(googleByDns)}`]);
    });
  });
}
