import fs from 'node:fs/promises';
import ipaddr from 'ipaddr.js';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { CrawlerName } from './user-agents';

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Google's published format, which Bing follows too. */
const rangesSchema = z.object({
  prefixes: z.array(z.union([z.object({ ipv4Prefix: z.string() }), z.object({ ipv6Prefix: z.string() })])),
});

/** Parses a ranges document; one bad prefix rejects the whole list rather than a part of it. */
export function parseRanges(text: string): Range[] {
  const document = rangesSchema.parse(JSON.parse(text));
  return document.prefixes.map((prefix) => {
    const cidr = 'ipv4Prefix' in prefix ? prefix.ipv4Prefix : prefix.ipv6Prefix;
    const range = ipaddr.parseCIDR(cidr);
    if (range[0].kind() !== ('ipv4Prefix' in prefix ? 'ipv4' : 'ipv6')) throw new Error(`${cidr} is not of its field's kind`);
    return range;
  });
}

/** An address as the ranges and DNS compare it: IPv4-mapped IPv6 as its IPv4 address; undefined when unparseable. */
export function parseAddress(address: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  return ipaddr.isValid(address) ? ipaddr.process(address) : undefined;
}

const isUrl = (source: string) => /^https?:\/\//i.test(source);
const dayMs = 24 * 60 * 60 * 1000;

export interface CrawlerRangesDeps {
  /** Per crawler, a file path or an http(s) URL (CRAWLER_IP_RANGES). */
  readonly sources: Readonly<Partial<Record<CrawlerName, string>>>;
  readonly logger: Logger;
  readonly fetchTimeoutMs?: number;
}

/**
 * Each crawler's published address ranges, loaded at start and again every day. A list
 * that fails to load (unreachable, not JSON, a bad prefix) keeps the last good one.
 */
export class CrawlerRanges {
  private readonly lists = new Map<CrawlerName, Range[]>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: CrawlerRangesDeps) {}

  /** Loads every list; never throws (a failure is logged and the previous list stays). */
  async reload(): Promise<void> {
    const entries = Object.entries(this.deps.sources) as [CrawlerName, string][];
    await Promise.all(entries.map(async ([crawler, source]) => {
      try {
        const ranges = parseRanges(await this.read(source));
        this.lists.set(crawler, ranges);
        this.deps.logger.info({ crawler, source, prefixes: ranges.length }, 'crawler ranges loaded');
      } catch (error) {
        this.deps.logger.error({ err: error, crawler, source, kept: this.lists.get(crawler)?.length ?? 0 }, 'crawler ranges could not be loaded; the last good list is kept');
      }
    }));
  }

  contains(crawler: CrawlerName, address: ipaddr.IPv4 | ipaddr.IPv6): boolean {
    const list = this.lists.get(crawler);
    return list !== undefined && list.some(([network, bits]) => network.kind() === address.kind() && address.match(network, bits));
  }

  /** How many prefixes each crawler's list holds now. */
  sizes(): Partial<Record<CrawlerName, number>> {
    return Object.fromEntries([...this.lists].map(([crawler, list]) => [crawler, list.length]));
  }

  startDailyReload(): void {
    if (this.timer !== undefined || Object.keys(this.deps.sources).length === 0) return;
    this.timer = setInterval(() => void this.reload(), dayMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async read(source: string): Promise<string> {
    if (!isUrl(source)) return fs.readFile(source, 'utf8');
    const response = await fetch(source, { signal: AbortSignal.timeout(this.deps.fetchTimeoutMs ?? 10_000) });
    if (!response.ok) throw new Error(`${source} answered ${response.status}`);
    return response.text();
  }
}
