import pino from 'pino';
import { buildCrawlers } from '../../src/crawlers/crawlers.module';
// The loopback DNS server lives with the tests; the bench borrows it, as it borrows FakeStripe.
import { ptrNameOf, startDnsServer } from '../../test/support/dns-server';

export interface VerificationCost {
  readonly addresses: number;
  /** Mean µs of a first verification (PTR, then A, over the loopback resolver). */
  readonly firstUs: number;
  /** Mean µs of a verification answered from the in-memory cache. */
  readonly cachedUs: number;
  /** Mean µs for a request whose User-Agent claims no crawler. */
  readonly noClaimUs: number;
}

const googlebot = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

/**
 * What verifying a crawler costs: `addresses` distinct Googlebot addresses verified once
 * through reverse-then-forward DNS (a resolver of the bench's own on loopback), then again
 * from the cache, then a reader that claims nothing. Sequential, in this process.
 */
export async function crawlerVerificationCost(addresses = 500): Promise<VerificationCost> {
  const dns = await startDnsServer();
  const ips = Array.from({ length: addresses }, (_, i) => `66.249.${64 + Math.floor(i / 250)}.${(i % 250) + 1}`);
  for (const ip of ips) {
    const name = `crawl-${ip.replaceAll('.', '-')}.googlebot.com`;
    dns.set(ptrNameOf(ip), [{ type: 'PTR', value: name, ttl: 3600 }]);
    dns.set(name, [{ type: 'A', value: ip, ttl: 3600 }]);
  }
  const crawlers = await buildCrawlers({
    ranges: {},
    dnsServers: [dns.address],
    settings: { current: async () => ({ value: { crawlers: ['googlebot', 'bingbot'] } }) },
    cache: undefined,
    keyPrefix: 'bench:',
    metrics: { crawlerVerifications: { inc: () => undefined } },
    logger: pino({ level: 'silent' }),
    clock: Date.now,
    answerWithinMs: 1_000,
  });
  const time = async (run: (ip: string) => Promise<unknown>) => {
    const started = performance.now();
    for (const ip of ips) await run(ip);
    return Math.round(((performance.now() - started) * 1000) / ips.length);
  };
  try {
    const firstUs = await time(async (ip) => {
      if (!(await crawlers.verifier.verify(googlebot, ip)).verified) throw new Error(`bench crawler ${ip} was not verified`);
    });
    const cachedUs = await time((ip) => crawlers.verifier.verify(googlebot, ip));
    const noClaimUs = await time((ip) => crawlers.verifier.verify('Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0', ip));
    return { addresses, firstUs, cachedUs, noClaimUs };
  } finally {
    await crawlers.close();
    await dns.close();
  }
}
