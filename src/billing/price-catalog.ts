import type { Logger } from 'pino';
import type { Clock } from '../config/clock';
import type { PriceSource, StripePrice } from './stripe-price';

export interface PriceCatalogOptions {
  readonly source: PriceSource;
  readonly clock: Clock;
  readonly logger: Logger;
  /** How long a copy is fresh; after that a view still gets it, and a refresh starts behind it. */
  readonly freshMs?: number;
  /** After a failed fetch, how long until the next try (views in between get the last good copy). */
  readonly retryMs?: number;
  /** How long a view waits for a price never fetched before (the very first fill); then it goes on without. */
  readonly firstFillWaitMs?: number;
  readonly maxEntries?: number;
}

interface Entry {
  price: StripePrice | undefined;
  fetchedAt: number;
  failedAt: number | undefined;
  /** At most one fetch per price at a time; the views and Checkout that need it share it. */
  inFlight: Promise<void> | undefined;
  /** Whether a fetch has ever ended: only before then does a view wait. */
  settled: boolean;
}

/**
 * The plans' Stripe prices, kept in memory and refreshed in the background, so that a wall
 * view never waits on Stripe (but for the very first fill, briefly) and never fails for it:
 * a price that cannot be loaded keeps its last good copy, or is shown without.
 * The ids come from the configured plans only, never from a request, so the map stays small.
 */
export class PriceCatalog {
  private readonly entries = new Map<string, Entry>();
  private readonly freshMs: number;
  private readonly retryMs: number;
  private readonly firstFillWaitMs: number;
  private readonly maxEntries: number;
  /** Moves whenever a copy changes: what is built from the prices may be kept until it does. */
  version = 0;

  constructor(private readonly options: PriceCatalogOptions) {
    this.freshMs = options.freshMs ?? 10 * 60_000;
    this.retryMs = options.retryMs ?? 30_000;
    this.firstFillWaitMs = options.firstFillWaitMs ?? 250;
    this.maxEntries = options.maxEntries ?? 100;
  }

  /** For a view: each price's copy at once, refreshes started behind stale ones; only a first fill is waited for, briefly. */
  async forView(priceIds: readonly string[]): Promise<ReadonlyMap<string, StripePrice | undefined>> {
    const firstFills: Promise<void>[] = [];
    for (const id of priceIds) {
      const entry = this.entryOf(id);
      this.refreshIfDue(id, entry);
      if (!entry.settled && entry.inFlight !== undefined) firstFills.push(entry.inFlight);
    }
    if (firstFills.length > 0) await withinMs(Promise.all(firstFills), this.firstFillWaitMs);
    return new Map(priceIds.map((id) => [id, this.entries.get(id)?.price]));
  }

  /**
   * For Checkout, which calls Stripe anyway: a fresh copy, else the answer of a fetch now
   * (shared with any in flight), else the last good copy; undefined when none ever loaded.
   */
  async forCheckout(priceId: string): Promise<StripePrice | undefined> {
    const entry = this.entryOf(priceId);
    this.refreshIfDue(priceId, entry);
    if (entry.inFlight !== undefined) await entry.inFlight;
    return entry.price;
  }

  /** Fetches every price that is due now and waits for them (after plans change; tests). */
  async fill(priceIds: readonly string[]): Promise<void> {
    await Promise.all(
      priceIds.map((id) => {
        const entry = this.entryOf(id);
        this.refreshIfDue(id, entry);
        return entry.inFlight;
      }),
    );
  }

  private entryOf(priceId: string): Entry {
    let entry = this.entries.get(priceId);
    if (entry === undefined) {
      if (this.entries.size >= this.maxEntries) this.forgetOne();
      entry = { price: undefined, fetchedAt: 0, failedAt: undefined, inFlight: undefined, settled: false };
      this.entries.set(priceId, entry);
    }
    return entry;
  }

  /** Drops the oldest entry with no fetch in flight (plans that are no longer offered). */
  private forgetOne(): void {
    for (const [id, entry] of this.entries) {
      if (entry.inFlight === undefined) {
        this.entries.delete(id);
        return;
      }
    }
  }

  private refreshIfDue(priceId: string, entry: Entry): void {
    if (entry.inFlight !== undefined) return;
    const now = this.options.clock();
    const stale = entry.price === undefined || now - entry.fetchedAt >= this.freshMs;
    const backingOff = entry.failedAt !== undefined && now - entry.failedAt < this.retryMs;
    if (!stale || backingOff) return;
    entry.inFlight = this.options.source.retrieve(priceId).then(
      (price) => {
        if (JSON.stringify(price) !== JSON.stringify(entry.price)) this.version += 1;
        entry.price = price;
        entry.fetchedAt = this.options.clock();
        entry.failedAt = undefined;
      },
      (error: unknown) => {
        entry.failedAt = this.options.clock();
        this.options.logger.warn({ err: error, priceId, kept: entry.price !== undefined }, 'could not load a plan\'s price from Stripe');
      },
    ).finally(() => {
      entry.inFlight = undefined;
      entry.settled = true;
    });
  }
}

/** Waits for `work` at most `ms`; never rejects (the fetches catch their own failures). */
async function withinMs(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const elapsed = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  try {
    await Promise.race([work, elapsed]);
  } finally {
    clearTimeout(timer);
  }
}
