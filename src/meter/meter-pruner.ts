import type { Logger } from 'pino';
import type { Clock } from '../config/clock';
import type { MeterSettingsSource } from './meter-settings.service';
import type { MeterStore } from './meter-store';
import { meterWindow } from './period';

export interface MeterPrunerDeps {
  readonly store: MeterStore;
  readonly settings: Pick<MeterSettingsSource, 'current'>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly intervalMs?: number;
}

/**
 * Drops meter reads that fell out of every window, and expired new-reader counts, on a
 * timer. Where entries expire by themselves (Redis) each round is a no-op. A view also drops
 * its own reader's old reads; this reaches readers who never come back.
 */
export class MeterPruner {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: MeterPrunerDeps) {}

  /** One round: reads before the current window's start (what a view would drop), counts past their day. */
  async pruneOnce(): Promise<void> {
    const nowMs = this.deps.clock();
    const { value: settings } = await this.deps.settings.current();
    // The same cut each view makes for its own reader: a read before the window never counts.
    await this.deps.store.prune(meterWindow(settings.period, nowMs).startMs, nowMs);
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => {
      this.pruneOnce().catch((error: unknown) => this.deps.logger.warn({ err: error }, 'could not prune the meter store'));
    }, this.deps.intervalMs ?? 60 * 60 * 1000);
    // Pruning never keeps the process alive.
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
