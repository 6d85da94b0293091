/** The publisher's setting (meter settings `crawlers`); the meter's settings service satisfies it. */
export interface CrawlerSettings {
  current(): Promise<{ readonly value: { readonly crawlers: readonly string[] } }>;
}

/** A shared cache of DNS answers, so that every instance need not ask again (Redis satisfies it). */
export interface CrawlerCache {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, expiry: 'PX', milliseconds: number): Promise<unknown>;
}

export type VerificationResult = 'verified' | 'failed' | 'cached-verified' | 'cached-failed' | 'timeout' | 'error' | 'not-allowed';

export interface CrawlerMetrics {
  readonly crawlerVerifications: { inc(labels: { crawler: string; result: VerificationResult }): void };
}
