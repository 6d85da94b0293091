import pino from 'pino';
import { buildCrawlers, type CrawlersModule, type VerificationResult } from '../../src/crawlers/crawlers.module';
import { ptrNameOf, startDnsServer, type TestDnsServer } from '../support/dns-server';

const googlebot = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
const bingbot = 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)';
const logger = pino({ level: 'silent' });
const ip6Ptr = (hex32: string) => `${[...hex32].reverse().join('.')}.ip6.arpa`;

function recordingMetrics() {
  const results: { crawler: string; result: VerificationResult }[] = [];
  return { results, metrics: { crawlerVerifications: { inc: (labels: { crawler: string; result: VerificationResult }) => results.push(labels) } } };
}

/** Google's and Bing's documented names, and the tricks a spoofer would try. */
function publishRecords(dns: TestDnsServer) {
  dns.set(ptrNameOf('66.249.66.1'), [{ type: 'PTR', value: 'crawl-66-249-66-1.googlebot.com' }]);
  dns.set('crawl-66-249-66-1.googlebot.com', [{ type: 'A', value: '66.249.66.1', ttl: 600 }]);
  dns.set(ptrNameOf('157.55.39.1'), [{ type: 'PTR', value: 'msnbot-157-55-39-1.search.msn.com' }]);
  dns.set('msnbot-157-55-39-1.search.msn.com', [{ type: 'A', value: '157.55.39.1' }]);
  // A spoofer's own reverse zone names Google's host, whose forward lookup is elsewhere.
  dns.set(ptrNameOf('203.0.113.9'), [{ type: 'PTR', value: 'crawl-66-249-66-2.googlebot.com' }]);
  dns.set('crawl-66-249-66-2.googlebot.com', [{ type: 'A', value: '66.249.66.2' }]);
  // Names that only end like Google's, with forward lookups that do match.
  dns.set(ptrNameOf('198.51.100.7'), [{ type: 'PTR', value: 'crawl.evilgooglebot.com' }]);
  dns.set('crawl.evilgooglebot.com', [{ type: 'A', value: '198.51.100.7' }]);
  dns.set(ptrNameOf('198.51.100.8'), [{ type: 'PTR', value: 'crawl.googlebot.com.evil.example' }]);
  dns.set('crawl.googlebot.com.evil.example', [{ type: 'A', value: '198.51.100.8' }]);
  // IPv6: 2001:4860:4801:10::1 under ip6.arpa, forward by AAAA.
  dns.set(ip6Ptr('20014860480100100000000000000001'), [{ type: 'PTR', value: 'crawl-2001-4860-4801-10--1.googlebot.com' }]);
  dns.set('crawl-2001-4860-4801-10--1.googlebot.com', [{ type: 'AAAA', value: '2001:4860:4801:10::1' }]);
}

describe('crawler verification over reverse-then-forward DNS (a DNS server of the test\'s own)', () => {
  let dns: TestDnsServer;
  let crawlers: CrawlersModule;
  let results: { crawler: string; result: VerificationResult }[];
  let allowed: string[];

  beforeEach(async () => {
    dns = await startDnsServer();
    publishRecords(dns);
    allowed = ['googlebot', 'bingbot'];
    const recorded = recordingMetrics();
    results = recorded.results;
    crawlers = await buildCrawlers({
      ranges: {},
      dnsServers: [dns.address],
      settings: { current: async () => ({ value: { crawlers: allowed } }) },
      cache: undefined,
      keyPrefix: 'test:',
      metrics: recorded.metrics,
      logger,
      clock: Date.now,
    });
  });
  afterEach(async () => {
    crawlers.close();
    await dns.close();
  });

  it('when Googlebot and Bingbot come from addresses whose PTR name resolves back, then each is verified', async () => {
    expect(await crawlers.verifier.verify(googlebot, '66.249.66.1')).toEqual({ crawler: 'googlebot', verified: true });
    expect(await crawlers.verifier.verify(bingbot, '157.55.39.1')).toEqual({ crawler: 'bingbot', verified: true });
    expect(await crawlers.verifier.verify(googlebot, '::ffff:66.249.66.1')).toEqual({ crawler: 'googlebot', verified: true });
    expect(await crawlers.verifier.verify(googlebot, '2001:4860:4801:10::1')).toEqual({ crawler: 'googlebot', verified: true });
    expect(dns.questions).toContain('AAAA crawl-2001-4860-4801-10--1.googlebot.com');
  });

  it("when a claim comes from another crawler's address, then it fails: Bingbot's name does not make a Googlebot", async () => {
    expect(await crawlers.verifier.verify(googlebot, '157.55.39.1')).toEqual({ crawler: 'googlebot', verified: false });
  });

  it('when the PTR name is Google\'s but its forward lookup gives another address (a spoofed PTR), then not verified', async () => {
    expect(await crawlers.verifier.verify(googlebot, '203.0.113.9')).toEqual({ crawler: 'googlebot', verified: false });
    expect(dns.questions).toEqual([`PTR ${ptrNameOf('203.0.113.9')}`, 'A crawl-66-249-66-2.googlebot.com']);
    expect(results).toEqual([{ crawler: 'googlebot', result: 'failed' }]);
  });

  it('when the PTR name only ends like googlebot.com, or has it in the middle, then not verified and no forward lookup is made', async () => {
    expect(await crawlers.verifier.verify(googlebot, '198.51.100.7')).toMatchObject({ verified: false });
    expect(await crawlers.verifier.verify(googlebot, '198.51.100.8')).toMatchObject({ verified: false });
    expect(dns.questions.filter((q) => q.startsWith('A '))).toEqual([]);
  });

  it('when the address has no PTR record, then not verified; a browser is never looked up', async () => {
    expect(await crawlers.verifier.verify(googlebot, '192.0.2.1')).toEqual({ crawler: 'googlebot', verified: false });
    expect(await crawlers.verifier.verify('Mozilla/5.0 Firefox/128.0', '66.249.66.1')).toEqual({ crawler: undefined, verified: false });
    expect(dns.questions).toEqual([`PTR ${ptrNameOf('192.0.2.1')}`]);
  });

  it('when the publisher does not allow the crawler, then not verified and DNS is not asked', async () => {
    allowed = ['bingbot'];
    expect(await crawlers.verifier.verify(googlebot, '66.249.66.1')).toEqual({ crawler: 'googlebot', verified: false });
    expect(dns.questions).toEqual([]);
    expect(results).toEqual([{ crawler: 'googlebot', result: 'not-allowed' }]);
  });

  it('when an address was answered, then the answer is cached (positive and negative) and DNS is not asked again', async () => {
    await crawlers.verifier.verify(googlebot, '66.249.66.1');
    await crawlers.verifier.verify(googlebot, '203.0.113.9');
    const asked = dns.questions.length;
    expect(await crawlers.verifier.verify(googlebot, '66.249.66.1')).toMatchObject({ verified: true });
    expect(await crawlers.verifier.verify(googlebot, '203.0.113.9')).toMatchObject({ verified: false });
    expect(dns.questions.length).toBe(asked);
    expect(results.map((r) => r.result)).toEqual(['verified', 'failed', 'cached-verified', 'cached-failed']);
  });

  it('when many requests from one address arrive at once, then one lookup is in flight', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, () => crawlers.verifier.verify(googlebot, '66.249.66.1')));
    expect(answers.every((a) => a.verified)).toBe(true);
    expect(dns.questions).toEqual([`PTR ${ptrNameOf('66.249.66.1')}`, 'A crawl-66-249-66-1.googlebot.com']);
  });
});

describe('crawler verification when DNS does not answer', () => {
  it('when the resolver never answers, then the claim is not verified at the deadline, without waiting for the resolver own timeout', async () => {
    const dns = await startDnsServer({ silent: true });
    const { results, metrics } = recordingMetrics();
    const crawlers = await buildCrawlers({ ranges: {}, dnsServers: [dns.address], settings: { current: async () => ({ value: { crawlers: ['googlebot'] } }) }, cache: undefined, keyPrefix: 't:', metrics, logger, clock: Date.now, answerWithinMs: 50 });
    try {
      expect(await crawlers.verifier.verify(googlebot, '66.249.66.1')).toEqual({ crawler: 'googlebot', verified: false });
      // The deadline answered, not the resolver's 1 s timeout (which would say "error").
      expect(results).toEqual([{ crawler: 'googlebot', result: 'timeout' }]);
      expect(dns.questions).toEqual([`PTR ${ptrNameOf('66.249.66.1')}`]);
    } finally {
      crawlers.close();
      await dns.close();
    }
  });
});
