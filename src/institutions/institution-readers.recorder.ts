import type { Logger } from 'pino';
import type { Clock } from '../config/clock';
import { monthOf, monthsBefore, readerRetentionMonths, storedReaderOf, type InstitutionReadersBatch, type InstitutionReadersStore, type Month } from './institution-readers';

export interface InstitutionReadersRecorderDeps {
  readonly store: InstitutionReadersStore;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly flushIntervalMs?: number;
  /** Distinct entries held before a flush starts early; past it (a stuck store) figures are dropped, not memory grown. */
  readonly maxPending?: number;
}

type Pending = Map<string, { month: Month; institutionId: string; readers: Set<string> }>;

/**
 * Counts readers per institution and month off the request path, as the funnel does: a view
 * costs a set insertion; batches are written every few seconds. A failed write drops its
 * batch (logged): these are figures for the publisher, never a reason to hold a view.
 */
export class InstitutionReadersRecorder {
  private pending: Pending = new Map();
  private size = 0;
  private flushing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private lastPruned: Month | undefined;
  private readonly maxPending: number;

  constructor(private readonly deps: InstitutionReadersRecorderDeps) {
    this.maxPending = deps.maxPending ?? 20_000;
  }

  get approximate(): boolean {
    return this.deps.store.approximate;
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => void this.flush(), this.deps.flushIntervalMs ?? 2_000);
    this.timer.unref();
  }

  record(institutionId: string, readerKey: string): void {
    const month = monthOf(this.deps.clock());
    const slot = `${month}|${institutionId}`;
    let entry = this.pending.get(slot);
    if (entry === undefined) this.pending.set(slot, (entry = { month, institutionId, readers: new Set() }));
    if (this.size >= this.maxPending && !entry.readers.has(readerKey)) return;
    const before = entry.readers.size;
    entry.readers.add(readerKey);
    this.size += entry.readers.size - before;
    if (this.size >= this.maxPending) void this.flush();
  }

  /** Writes what is buffered; flushes never overlap, and a failure never rejects. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.writePending());
    return this.flushing;
  }

  /** Distinct readers per institution in a month, with this instance's buffer written first. */
  async counts(month: Month, institutionIds: readonly string[]): Promise<ReadonlyMap<string, number>> {
    await this.flush();
    return this.deps.store.counts(month, institutionIds);
  }

  async close(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private async writePending(): Promise<void> {
    if (this.size === 0) return;
    const pending = this.pending;
    const size = this.size;
    this.pending = new Map();
    this.size = 0;
    const batch: InstitutionReadersBatch = new Map([...pending].map(([slot, e]) => [slot, { ...e, readers: new Set([...e.readers].map(storedReaderOf)) }]));
    try {
      await this.deps.store.add(batch);
      const month = monthOf(this.deps.clock());
      if (this.lastPruned !== month) {
        this.lastPruned = month;
        await this.deps.store.prune(monthsBefore(month, readerRetentionMonths));
      }
    } catch (error) {
      this.deps.logger.warn({ err: error, readers: size }, 'institution reader figures could not be written; this batch is dropped');
    }
  }
}
