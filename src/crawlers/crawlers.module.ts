import { Resolver } from 'node:dns/promises';
import type { Logger } from 'pino';
import type { Clock } from '../config/clock';
import { CrawlerVerifier } from './crawler-verifier';
import { CrawlerRanges } from './ip-ranges';
import type { CrawlerCache, CrawlerMetrics, CrawlerSettings } from './ports';
import { ReverseDns } from './reverse-dns';
import type { CrawlerName } from './user-agents';

export type { CrawlerVerifier, Verification } from './crawler-verifier';
export type { CrawlerCache, CrawlerMetrics, CrawlerSettings, VerificationResult } from './ports';
export type { CrawlerName } from './user-agents';
export { crawlerNames } from './user-agents';

export interface CrawlersDeps {
  /** CRAWLER_IP_RANGES: per crawler, a file or URL in Google's JSON format. */
  readonly ranges: Readonly<Partial<Record<CrawlerName, string>>>;
  /** CRAWLER_DNS_SERVERS (`host:port`); undefined: the system's resolvers. */
  readonly dnsServers: readonly string[] | undefined;
  readonly settings: CrawlerSettings;
  /** Redis, when configured: DNS answers shared between instances. */
  readonly cache: CrawlerCache | undefined;
  readonly keyPrefix: string;
  readonly metrics: CrawlerMetrics;
  readonly logger: Logger;
  readonly clock: Clock;
  /** How long a page waits on DNS before deciding the reader as anonymous (default 250 ms). */
  readonly answerWithinMs?: number;
}

export interface CrawlersModule {
  readonly verifier: CrawlerVerifier;
  readonly ranges: CrawlerRanges;
  /** Stops the daily reload and abandons lookups still running. */
  close(): void;
}

/** SPEC section 12: 1 s per DNS query, one try, so a dead resolver costs a background lookup, never a page. */
const dnsTimeoutMs = 1_000;

export async function buildCrawlers(deps: CrawlersDeps): Promise<CrawlersModule> {
  const resolver = new Resolver({ timeout: dnsTimeoutMs, tries: 1 });
  if (deps.dnsServers !== undefined) resolver.setServers([...deps.dnsServers]);
  const ranges = new CrawlerRanges({ sources: deps.ranges, logger: deps.logger });
  await ranges.reload();
  ranges.startDailyReload();
  const dns = new ReverseDns({ resolver, cache: deps.cache, keyPrefix: deps.keyPrefix, clock: deps.clock, logger: deps.logger });
  const verifier = new CrawlerVerifier({ settings: deps.settings, ranges, dns, metrics: deps.metrics, logger: deps.logger, answerWithinMs: deps.answerWithinMs ?? 250 });
  return {
    verifier,
    ranges,
    close() {
      ranges.stop();
      resolver.cancel();
    },
  };
}
