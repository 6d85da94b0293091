import ipaddr from 'ipaddr.js';
import pino from 'pino';
import { CrawlerVerifier } from './crawler-verifier';
import { CrawlerRanges } from './ip-ranges';
import type { CrawlerCache, VerificationResult } from './ports';
import { ReverseDns, positiveCapMs, type DnsResolver } from './reverse-dns';

const googlebot = 'Googlebot/2.1 (+http://www.google.com/bot.html)';
const logger = pino({ level: 'silent' });

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** A resolver whose answers the test gives when it chooses. */
function slowResolver() {
  const ptr = deferred<string[]>();
  const a = deferred<{ address: string; ttl: number }[]>();
  const calls: string[] = [];
  const resolver = {
    resolvePtr: jest.fn((name: string) => (calls.push(`PTR ${name}`), ptr.promise)),
    resolve4: jest.fn((name: string) => (calls.push(`A ${name}`), a.promise)),
    resolve6: jest.fn(async () => []),
  };
  return { resolver, calls, answer: () => (ptr.resolve(['crawl-66-249-66-1.googlebot.com']), a.resolve([{ address: '66.249.66.1', ttl: 7200 }])) };
}

function memoryCache(): CrawlerCache & { keys: Map<string, { value: string; ms: number }> } {
  const keys = new Map<string, { value: string; ms: number }>();
  return { keys, get: async (key) => keys.get(key)?.value ?? null, set: async (key, value, _px, ms) => keys.set(key, { value, ms }) };
}

function verifierWith(parts: { resolver: unknown; cache?: CrawlerCache; clock?: () => number; answerWithinMs?: number }) {
  const results: VerificationResult[] = [];
  const dns = new ReverseDns({ resolver: parts.resolver as DnsResolver, cache: parts.cache, keyPrefix: 'p:', clock: parts.clock ?? (() => 1_000), logger });
  const verifier = new CrawlerVerifier({
    settings: { current: async () => ({ value: { crawlers: ['googlebot', 'bingbot'] } }) },
    ranges: new CrawlerRanges({ sources: {}, logger }),
    dns,
    metrics: { crawlerVerifications: { inc: ({ result }) => results.push(result) } },
    logger,
    answerWithinMs: parts.answerWithinMs ?? 0,
  });
  return { verifier, dns, results };
}

describe('CrawlerVerifier: a slow resolver never holds a page', () => {
  it('when DNS has not answered by the deadline, then not verified now; the lookup finishes in the background and the next request is verified from the cache', async () => {
    const slow = slowResolver();
    const { verifier, dns, results } = verifierWith({ resolver: slow.resolver });
    expect(await verifier.verify(googlebot, '66.249.66.1')).toEqual({ crawler: 'googlebot', verified: false });
    slow.answer();
    await dns.lookup(ipaddr.parse('66.249.66.1'));
    expect(await verifier.verify(googlebot, '66.249.66.1')).toEqual({ crawler: 'googlebot', verified: true });
    expect(results).toEqual(['timeout', 'cached-verified']);
    expect(slow.calls).toEqual(['PTR 1.66.249.66.in-addr.arpa', 'A crawl-66-249-66-1.googlebot.com']);
  });

  it('when the resolver fails (not a "no such name"), then not verified, counted as an error, remembered for 30 s only', async () => {
    const resolver = { resolvePtr: jest.fn(async () => Promise.reject(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))), resolve4: jest.fn(), resolve6: jest.fn() };
    let now = 1_000;
    const { verifier, results } = verifierWith({ resolver, clock: () => now, answerWithinMs: 1_000 });
    expect(await verifier.verify(googlebot, '66.249.66.1')).toMatchObject({ verified: false });
    // While the resolver is down, pages do not wait on a new lookup each time.
    expect(await verifier.verify(googlebot, '66.249.66.1')).toMatchObject({ verified: false });
    expect(resolver.resolvePtr).toHaveBeenCalledTimes(1);
    now += 31_000;
    expect(await verifier.verify(googlebot, '66.249.66.1')).toMatchObject({ verified: false });
    expect(resolver.resolvePtr).toHaveBeenCalledTimes(2);
    expect(results).toEqual(['error', 'cached-failed', 'error']);
  });
});

describe('ReverseDns caching', () => {
  const verifiedResolver = () => ({
    resolvePtr: jest.fn(async () => ['crawl-66-249-66-1.googlebot.com']),
    resolve4: jest.fn(async () => [{ address: '66.249.66.1', ttl: 7200 }]),
    resolve6: jest.fn(async () => []),
  });

  it('when a positive answer is older than its TTL capped at an hour, then DNS is asked again', async () => {
    let now = 1_000;
    const resolver = verifiedResolver();
    const { verifier } = verifierWith({ resolver, clock: () => now, answerWithinMs: 1_000 });
    await verifier.verify(googlebot, '66.249.66.1');
    now += positiveCapMs - 1;
    await verifier.verify(googlebot, '66.249.66.1');
    expect(resolver.resolvePtr).toHaveBeenCalledTimes(1);
    now += 1;
    await verifier.verify(googlebot, '66.249.66.1');
    expect(resolver.resolvePtr).toHaveBeenCalledTimes(2);
  });

  it('when another instance has answered through the shared cache, then this one does not ask DNS; the entry carries the capped TTL', async () => {
    const cache = memoryCache();
    const first = verifierWith({ resolver: verifiedResolver(), cache, answerWithinMs: 1_000 });
    await first.verifier.verify(googlebot, '66.249.66.1');
    expect([...cache.keys]).toEqual([['p:crawler-dns:66.249.66.1', { value: JSON.stringify({ crawler: 'googlebot', expiresAtMs: 1_000 + positiveCapMs }), ms: positiveCapMs }]]);
    const resolver = verifiedResolver();
    const second = verifierWith({ resolver, cache, answerWithinMs: 1_000 });
    expect(await second.verifier.verify(googlebot, '66.249.66.1')).toMatchObject({ verified: true });
    expect(second.results).toEqual(['cached-verified']);
    expect(resolver.resolvePtr).not.toHaveBeenCalled();
  });

  it('when the shared cache fails, then DNS answers as if there were none', async () => {
    const broken: CrawlerCache = { get: async () => Promise.reject(new Error('down')), set: async () => Promise.reject(new Error('down')) };
    const { verifier, results } = verifierWith({ resolver: verifiedResolver(), cache: broken, answerWithinMs: 1_000 });
    expect(await verifier.verify(googlebot, '66.249.66.1')).toMatchObject({ verified: true });
    expect(results).toEqual(['verified']);
  });
});
