import ipaddr from 'ipaddr.js';
import type { Logger } from 'pino';
import type { Clock } from '../config/clock';
import type { CrawlerCache } from './ports';
import { crawlerNames, crawlerOfHostName, type CrawlerName } from './user-agents';

/** What DNS says of an address: the crawler it verifiably belongs to, or none; `error` when it could not say. */
export type DnsAnswer =
  | { readonly kind: 'answered'; readonly crawler: CrawlerName | undefined; readonly cached: boolean }
  | { readonly kind: 'error' };

interface Cached {
  readonly crawler: CrawlerName | undefined;
  readonly expiresAtMs: number;
}

export const positiveCapMs = 60 * 60 * 1000;
export const negativeCapMs = 5 * 60 * 1000;
/** How long a failed or timed-out lookup stands for "not verified" before one is tried again. */
const failureMemoryMs = 30 * 1000;
const memoryEntries = 10_000;
// A PTR answer rarely names more than one host; a longer list is not worth more lookups.
const namesTried = 3;

// "No such name" and "no such record" are answers; anything else (timeout, refused, SERVFAIL) is not.
const noRecord = new Set(['ENOTFOUND', 'ENODATA']);
const isNoRecord = (error: unknown) => noRecord.has((error as { code?: string }).code ?? '');

/** The PTR name of an address: 4.3.2.1.in-addr.arpa, or the 32 nibbles of IPv6 under ip6.arpa. */
export function arpaName(address: ipaddr.IPv4 | ipaddr.IPv6): string {
  if (address.kind() === 'ipv4') return `${address.toByteArray().reverse().join('.')}.in-addr.arpa`;
  const hex = address.toByteArray().map((byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${[...hex].reverse().join('.')}.ip6.arpa`;
}

/** The lookups used, as node's `dns.promises.Resolver` answers them. */
export interface DnsResolver {
  resolvePtr(name: string): Promise<string[]>;
  resolve4(name: string, options: { ttl: true }): Promise<{ address: string; ttl: number }[]>;
  resolve6(name: string, options: { ttl: true }): Promise<{ address: string; ttl: number }[]>;
}

export interface ReverseDnsDeps {
  readonly resolver: DnsResolver;
  readonly cache: CrawlerCache | undefined;
  readonly keyPrefix: string;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * Reverse-then-forward DNS, as Google and Bing document it: the address's PTR name must be
 * under a crawler's domains and resolve back to the address. Answers are kept for their TTL
 * (capped), in memory and in the shared cache when there is one; one lookup per address at a time.
 */
export class ReverseDns {
  private readonly memory = new Map<string, Cached>();
  private readonly inFlight = new Map<string, Promise<DnsAnswer>>();

  constructor(private readonly deps: ReverseDnsDeps) {}

  /** The answer kept in memory, without I/O. */
  cached(address: ipaddr.IPv4 | ipaddr.IPv6): DnsAnswer | undefined {
    const key = address.toNormalizedString();
    const entry = this.memory.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAtMs > this.deps.clock()) return { kind: 'answered', crawler: entry.crawler, cached: true };
    this.memory.delete(key);
    return undefined;
  }

  lookup(address: ipaddr.IPv4 | ipaddr.IPv6): Promise<DnsAnswer> {
    const key = address.toNormalizedString();
    const running = this.inFlight.get(key);
    if (running !== undefined) return running;
    const lookup = this.lookupOnce(key, address).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, lookup);
    return lookup;
  }

  private async lookupOnce(key: string, address: ipaddr.IPv4 | ipaddr.IPv6): Promise<DnsAnswer> {
    const shared = await this.readShared(key);
    if (shared !== undefined) {
      this.remember(key, shared);
      return { kind: 'answered', crawler: shared.crawler, cached: true };
    }
    let found: { crawler: CrawlerName | undefined; ttlMs: number };
    try {
      found = await this.resolve(address);
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'crawler DNS lookup failed; the claim is not verified');
      // Remembered briefly (here only, not in the shared cache): while the resolver is down,
      // each page would otherwise wait on a new lookup.
      this.remember(key, { crawler: undefined, expiresAtMs: this.deps.clock() + failureMemoryMs });
      return { kind: 'error' };
    }
    const entry = { crawler: found.crawler, expiresAtMs: this.deps.clock() + found.ttlMs };
    if (found.ttlMs > 0) {
      this.remember(key, entry);
      await this.writeShared(key, entry, found.ttlMs);
    }
    return { kind: 'answered', crawler: found.crawler, cached: false };
  }

  private async resolve(address: ipaddr.IPv4 | ipaddr.IPv6): Promise<{ crawler: CrawlerName | undefined; ttlMs: number }> {
    const { resolver } = this.deps;
    let names: string[];
    try {
      names = await resolver.resolvePtr(arpaName(address));
    } catch (error) {
      // No PTR record: the resolver does not tell its negative TTL, so the cap applies.
      if (isNoRecord(error)) return { crawler: undefined, ttlMs: negativeCapMs };
      throw error;
    }
    const wanted = address.toNormalizedString();
    let negativeTtlMs = negativeCapMs;
    for (const name of names.slice(0, namesTried)) {
      const crawler = crawlerOfHostName(name);
      if (crawler === undefined) continue;
      let records: { address: string; ttl: number }[];
      try {
        records = address.kind() === 'ipv4' ? await resolver.resolve4(name, { ttl: true }) : await resolver.resolve6(name, { ttl: true });
      } catch (error) {
        if (isNoRecord(error)) continue;
        throw error;
      }
      const match = records.find((record) => ipaddr.isValid(record.address) && ipaddr.parse(record.address).toNormalizedString() === wanted);
      if (match !== undefined) return { crawler, ttlMs: Math.min(match.ttl * 1000, positiveCapMs) };
      // A PTR name that does not resolve back is a spoof; its own TTL bounds how long we believe that.
      negativeTtlMs = Math.min(negativeTtlMs, Math.min(...records.map((r) => r.ttl * 1000)));
    }
    return { crawler: undefined, ttlMs: negativeTtlMs };
  }

  private remember(key: string, entry: Cached): void {
    if (this.memory.size >= memoryEntries) this.memory.delete(this.memory.keys().next().value!);
    this.memory.set(key, entry);
  }

  private sharedKey(key: string): string {
    return `${this.deps.keyPrefix}crawler-dns:${key}`;
  }

  /** The shared cache is a help, never a need: when it fails, DNS answers. */
  private async readShared(key: string): Promise<Cached | undefined> {
    if (this.deps.cache === undefined) return undefined;
    try {
      const text = await this.deps.cache.get(this.sharedKey(key));
      if (text === null) return undefined;
      const value = JSON.parse(text) as { crawler?: unknown; expiresAtMs?: unknown };
      const crawler = crawlerNames.find((name) => name === value.crawler);
      if (typeof value.expiresAtMs !== 'number' || value.expiresAtMs <= this.deps.clock()) return undefined;
      return { crawler, expiresAtMs: value.expiresAtMs };
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'could not read the crawler DNS cache');
      return undefined;
    }
  }

  private async writeShared(key: string, entry: Cached, ttlMs: number): Promise<void> {
    if (this.deps.cache === undefined) return;
    await this.deps.cache.set(this.sharedKey(key), JSON.stringify(entry), 'PX', ttlMs).catch((error: unknown) => {
      this.deps.logger.warn({ err: error }, 'could not write the crawler DNS cache');
    });
  }
}
