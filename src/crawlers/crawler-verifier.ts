import type { Logger } from 'pino';
import { parseAddress, type CrawlerRanges } from './ip-ranges';
import type { CrawlerMetrics, CrawlerSettings, VerificationResult } from './ports';
import type { DnsAnswer, ReverseDns } from './reverse-dns';
import { claimedCrawler, isLinkPreview, type CrawlerName } from './user-agents';

export interface Verification {
  /** The crawler the User-Agent claims to be, if any. */
  readonly crawler: CrawlerName | undefined;
  /** True only when the publisher allows that crawler and its address proves the claim. */
  readonly verified: boolean;
}

export interface CrawlerVerifierDeps {
  readonly settings: CrawlerSettings;
  readonly ranges: CrawlerRanges;
  readonly dns: ReverseDns;
  readonly metrics: CrawlerMetrics;
  readonly logger: Logger;
  /**
   * How long a page waits for DNS. Past it the reader is decided as anonymous and the
   * lookup goes on in the background to fill the cache for the crawler's next request.
   */
  readonly answerWithinMs: number;
}

const notClaimed: Verification = { crawler: undefined, verified: false };

/** Whether a request's User-Agent and address make it a crawler the publisher lets read everything. */
export class CrawlerVerifier {
  constructor(private readonly deps: CrawlerVerifierDeps) {}

  isLinkPreview(userAgent: string | undefined): boolean {
    return isLinkPreview(userAgent);
  }

  async verify(userAgent: string | undefined, address: string): Promise<Verification> {
    const crawler = claimedCrawler(userAgent);
    if (crawler === undefined) return notClaimed;
    const result = await this.check(crawler, address);
    this.deps.metrics.crawlerVerifications.inc({ crawler, result });
    return { crawler, verified: result === 'verified' || result === 'cached-verified' };
  }

  private async check(crawler: CrawlerName, address: string): Promise<VerificationResult> {
    if (!(await this.allows(crawler))) return 'not-allowed';
    const parsed = parseAddress(address);
    if (parsed === undefined) return 'failed';
    if (this.deps.ranges.contains(crawler, parsed)) return 'verified';
    const answer = this.deps.dns.cached(parsed) ?? (await this.withinDeadline(this.deps.dns.lookup(parsed)));
    if (answer === 'timeout') return 'timeout';
    if (answer.kind === 'error') return 'error';
    const verified = answer.crawler === crawler;
    if (answer.cached) return verified ? 'cached-verified' : 'cached-failed';
    return verified ? 'verified' : 'failed';
  }

  private async allows(crawler: CrawlerName): Promise<boolean> {
    try {
      return (await this.deps.settings.current()).value.crawlers.includes(crawler);
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'could not read the allowed crawlers; the claim is not verified');
      return false;
    }
  }

  private withinDeadline(lookup: Promise<DnsAnswer>): Promise<DnsAnswer | 'timeout'> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.deps.answerWithinMs);
      timer.unref();
    });
    return Promise.race([lookup, deadline]).finally(() => clearTimeout(timer));
  }
}
