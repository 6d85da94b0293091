import type { Logger } from 'pino';
import type { Clock } from '../config/clock';
import { addDays, dayOf, funnelReaderOf, funnelReport, funnelRetentionDays, type Day, type FunnelReport, type FunnelBatch, type RecordedStage, type FunnelStore } from './funnel';
import type { FunnelRange } from './funnel-range';

export interface FunnelRecorderDeps {
  readonly store: FunnelStore;
  readonly logger: Logger;
  readonly clock: Clock;
  /** How often the buffer is written to the store. */
  readonly flushIntervalMs?: number;
  /** Distinct entries held before a flush starts early. */
  readonly maxPending?: number;
  /** A write that takes longer is given up (the batch dropped), so the next can start. */
  readonly writeTimeoutMs?: number;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`funnel write took over ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

type Pending = Map<string, { day: Day; stage: RecordedStage; readers: Set<string> }>;

/**
 * Collects funnel stages in memory and writes them in batches, off the request path: a
 * page view costs a set insertion, not a round trip. A reader seen again on the same day
 * and stage adds nothing. If the store cannot be reached the batch is dropped and logged:
 * these are analytics, and a meter outage must not grow memory without bound.
 */
export class FunnelRecorder {
  private pending: Pending = new Map();
  private size = 0;
  private flushing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private lastPrunedDay: Day | undefined;
  private readonly maxPending: number;
  private readonly writeTimeoutMs: number;
  /** A flush for a full buffer is queued and has not taken the buffer yet. */
  private flushRequested = false;
  private dropped = 0;
  private readonly store: FunnelStore;
  private readonly logger: Logger;
  /** The recorder's time, which the admin pages' default range is read from too. */
  readonly clock: Clock;

  constructor(private readonly deps: FunnelRecorderDeps) {
    this.store = deps.store;
    this.logger = deps.logger;
    this.clock = deps.clock;
    this.maxPending = deps.maxPending ?? 20_000;
    this.writeTimeoutMs = deps.writeTimeoutMs ?? 10_000;
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => void this.flush(), this.deps.flushIntervalMs ?? 2_000);
    this.timer.unref();
  }

  record(stage: RecordedStage, readerKey: string | undefined): void {
    if (readerKey === undefined) return;
    const day = dayOf(this.clock());
    const slot = `${day}|${stage}`;
    let entry = this.pending.get(slot);
    if (entry === undefined) {
      entry = { day, stage, readers: new Set() };
      this.pending.set(slot, entry);
    }
    // While a write is stuck the buffer stops growing at its bound: figures are dropped (and
    // counted in the next warning) rather than memory.
    if (this.size >= this.maxPending && !entry.readers.has(readerKey)) {
      this.dropped += 1;
      return;
    }
    // Kept as given; hashed once per distinct reader when written, not on every view.
    const before = entry.readers.size;
    entry.readers.add(readerKey);
    this.size += entry.readers.size - before;
    if (this.size >= this.maxPending && !this.flushRequested) {
      this.flushRequested = true;
      void this.flush();
    }
  }

  /** Readers buffered now (at most the bound). */
  get pendingSize(): number {
    return this.size;
  }

  /** Writes what is buffered; flushes never overlap, and a failure never rejects. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.writePending());
    return this.flushing;
  }

  /** The figures for a range, with this instance's buffer written first. */
  async report(range: FunnelRange): Promise<FunnelReport> {
    await this.flush();
    return funnelReport(range.from, range.to, await this.store.counts(range.from, range.to), this.store.approximate);
  }

  async close(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private async writePending(): Promise<void> {
    this.flushRequested = false;
    if (this.size === 0) return;
    const pending = this.pending;
    const size = this.size;
    this.pending = new Map();
    this.size = 0;
    const batch: FunnelBatch = new Map(
      [...pending].map(([slot, { day, stage, readers }]) => [slot, { day, stage, readers: new Set([...readers].map(funnelReaderOf)) }]),
    );
    const dropped = this.dropped;
    this.dropped = 0;
    if (dropped > 0) this.logger.warn({ dropped }, 'funnel buffer was full while a write was stuck; figures dropped');
    try {
      await withTimeout(this.store.add(batch), this.writeTimeoutMs);
      await this.pruneOncePerDay();
    } catch (error) {
      this.logger.warn({ err: error, readers: size }, 'funnel figures could not be written; this batch is dropped');
    }
  }

  private async pruneOncePerDay(): Promise<void> {
    const today = dayOf(this.clock());
    if (this.lastPrunedDay === today) return;
    this.lastPrunedDay = today;
    await this.store.prune(addDays(today, -funnelRetentionDays));
  }
}
