import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { ptrNameOf, startDnsServer, type TestDnsServer } from '../support/dns-server';
import { startStaticOrigin, type StaticOrigin } from '../support/static-origin';
import { describeMode, modes, startTestApp, type TestApp } from '../support/test-app';
import { markerParagraphs } from '../support/wordpress';

const googlebot = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
const googleByDns = '66.249.66.1';
const googleByRange = '66.249.64.9';
const bingByDns = '157.55.39.1';
const lookAlike = '203.0.113.50';
const bingbot = 'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0 Safari/537.36';
const elsewhere = '192.0.2.77';

function articleHtml(prefix: string, extra = ''): string {
  return `<!doctype html><html><head><title>${prefix}</title>${extra}</head><body><article>${markerParagraphs(prefix, 5)
    .map((p) => `<p>${p}</p>`)
    .join('')}</article></body></html>`;
}

async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.each(modes)('origin mode across instances and crawlers (%s)', (mode) => {
  describeMode(mode)(`(${mode})`, () => {
    let origin: StaticOrigin;
    let dns: TestDnsServer;
    let a: TestApp;
    let b: TestApp;
    let apiKey: string;
    let rangesFile: string;

    beforeAll(async () => {
      origin = await startStaticOrigin();
      dns = await startDnsServer();
      dns.set(ptrNameOf(googleByDns), [{ type: 'PTR', value: 'crawl-66-249-66-1.googlebot.com' }]);
      dns.set('crawl-66-249-66-1.googlebot.com', [{ type: 'A', value: googleByDns }]);
      dns.set(ptrNameOf(bingByDns), [{ type: 'PTR', value: 'msnbot-157-55-39-1.search.msn.com' }]);
      dns.set('msnbot-157-55-39-1.search.msn.com', [{ type: 'A', value: bingByDns }]);
      // A name that only ends like Google's, whose forward lookup does give the address back.
      dns.set(ptrNameOf(lookAlike), [{ type: 'PTR', value: 'crawl.evilgooglebot.com' }]);
      dns.set('crawl.evilgooglebot.com', [{ type: 'A', value: lookAlike }]);
      rangesFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-ranges-')), 'googlebot.json');
      fs.writeFileSync(rangesFile, JSON.stringify({ prefixes: [{ ipv4Prefix: '66.249.64.0/27' }] }));
      const env = { ORIGIN_URL: origin.url, CRAWLER_DNS_SERVERS: dns.address, CRAWLER_IP_RANGES: `googlebot=${rangesFile}` };
      a = await startTestApp(mode, { env });
      b = await startTestApp(mode, { env, shareStorageWith: a });
      apiKey = (await a.deps.admin.apiKeys.create('origin instances')).key;
      await request(a.app).put('/admin/api/meter').set('Authorization', `Bearer ${apiKey}`).send({ anonymousLimit: 0, registeredLimit: 10, period: { kind: 'calendar-month', timeZone: 'UTC' }, teaserParagraphs: 2, sections: {}, newReadersPerNetwork: 20, onStoreFailure: 'open', crawlers: ['googlebot', 'bingbot'] }).expect(200);
    });
    afterAll(async () => {
      await b?.close();
      await a?.close();
      await origin?.close();
      await dns?.close();
      fs.rmSync(path.dirname(rangesFile), { recursive: true, force: true });
    });

    it('when the publisher purges a path on one instance, then the other drops its copy too and fetches the new one', async () => {
      const cached = { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'max-age=3600' };
      origin.route('/shared/', { body: articleHtml('va', '<meta name="gatehouse:access" content="free">'), headers: cached });
      await request(a.app).get('/shared/').expect(200);
      await request(b.app).get('/shared/').expect(200);
      const before = origin.hits('/shared/');
      origin.route('/shared/', { body: articleHtml('vb', '<meta name="gatehouse:access" content="free">'), headers: cached });
      expect((await request(b.app).get('/shared/').expect(200)).text).toContain('vap5x');
      await request(a.app).post('/admin/api/origin/purge').set('Authorization', `Bearer ${apiKey}`).send({ paths: ['/shared/'] }).expect(200);
      await eventually(async () => (await request(b.app).get('/shared/')).text.includes('vbp5x'), 'the second instance serves the new copy');
      expect((await request(a.app).get('/shared/').expect(200)).text).toContain('vbp5x');
      expect(origin.hits('/shared/')).toBeGreaterThan(before);
    });

    it('when a verified Googlebot reads a gated origin article, then it gets it whole, uncounted, with the paywall JSON-LD; the same User-Agent from elsewhere meets the wall', async () => {
      origin.route('/crawled/', { body: articleHtml('wa') });
      for (const address of [googleByDns, googleByRange]) {
        const crawler = await request(a.app).get('/crawled/').set('User-Agent', googlebot).set('X-Forwarded-For', address).expect(200);
        expect(crawler.headers['x-access-decision']).toBe('crawler');
        expect(crawler.text).toContain('wap5x');
        expect(crawler.headers['set-cookie']).toBeUndefined();
        const ld = JSON.parse(/<script type="application\/ld\+json">(.*?)<\/script>/s.exec(crawler.text)![1]!) as Record<string, unknown>;
        expect(ld.isAccessibleForFree).toBe(false);
        expect(ld.hasPart).toMatchObject({ cssSelector: '.paywalled-content' });
      }
      const pretender = await request(a.app).get('/crawled/').set('User-Agent', googlebot).set('X-Forwarded-For', elsewhere).expect(200);
      expect(pretender.headers['x-access-decision']).toBe('registration-wall');
      expect(pretender.text).not.toContain('wap3x');
    });

    it('when Bingbot is verified by DNS, then it reads the origin article whole; a name that only ends like googlebot.com does not; each verification is counted', async () => {
      origin.route('/bing/', { body: articleHtml('wb') });
      const bing = await request(a.app).get('/bing/').set('User-Agent', bingbot).set('X-Forwarded-For', bingByDns).expect(200);
      expect(bing.headers['x-access-decision']).toBe('crawler');
      expect(bing.text).toContain('wbp5x');
      const fake = await request(a.app).get('/bing/').set('User-Agent', googlebot).set('X-Forwarded-For', lookAlike).expect(200);
      expect(fake.headers['x-access-decision']).toBe('registration-wall');
      expect(fake.text).not.toContain('wbp3x');
      const metrics = await request(a.app).get('/metrics').expect(200);
      expect(metrics.text).toMatch(/gatehouse_crawler_verifications_total\{crawler="bingbot",result="verified"\} [1-9]/);
      expect(metrics.text).toMatch(/gatehouse_access_decisions_total\{decision="crawler"\} [1-9]/);
    });

    it('when a chat app previews a gated origin article, then it gets the lead-in, counting nothing', async () => {
      origin.route('/previewed/', { body: articleHtml('xa') });
      const preview = await request(a.app).get('/previewed/').set('User-Agent', 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)').expect(200);
      expect(preview.headers['x-access-decision']).toBe('registration-wall');
      expect(preview.text).toContain('xap1x');
      expect(preview.text).not.toContain('xap3x');
      expect(preview.headers['set-cookie']).toBeUndefined();
    });

    it('when the origin stops and starts again, then cached pages are served meanwhile, new ones are a 502, and everything is back once it answers', async () => {
      origin.route('/through-outage/', { body: articleHtml('ya', '<meta name="gatehouse:access" content="free">'), headers: { 'content-type': 'text/html', 'cache-control': 'max-age=0' } });
      origin.route('/after-outage/', { body: articleHtml('yb', '<meta name="gatehouse:access" content="free">') });
      await request(a.app).get('/through-outage/').expect(200);
      await origin.stop();
      try {
        expect((await request(a.app).get('/through-outage/').expect(200)).text).toContain('yap5x');
        expect((await request(a.app).get('/after-outage/').expect(502)).text).toContain('could not be reached');
      } finally {
        await origin.start();
      }
      expect((await request(a.app).get('/after-outage/').expect(200)).text).toContain('ybp5x');
    });
  });
});

describe.each(modes)('origin mode when the crawler resolver never answers (%s)', (mode) => {
  describeMode(mode)(`(${mode})`, () => {
    let origin: StaticOrigin;
    let dns: TestDnsServer;
    let t: TestApp;
    beforeAll(async () => {
      origin = await startStaticOrigin();
      dns = await startDnsServer({ silent: true });
      t = await startTestApp(mode, { env: { ORIGIN_URL: origin.url, CRAWLER_DNS_SERVERS: dns.address } });
    });
    afterAll(async () => {
      await t?.close();
      await dns?.close();
      await origin?.close();
    });

    it('when Googlebot claims a premium origin article and DNS times out, then it gets the paywall like any anonymous reader', async () => {
      origin.route('/silent/', { body: articleHtml('za', '<meta name="gatehouse:access" content="premium">') });
      const res = await request(t.app).get('/silent/').set('User-Agent', googlebot).set('X-Forwarded-For', googleByDns).expect(200);
      expect(res.headers['x-access-decision']).toBe('paywall');
      expect(res.text).not.toContain('zap3x');
    });
  });
});
