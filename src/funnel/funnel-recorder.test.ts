import pino from 'pino';
import { Writable } from 'node:stream';
import { FunnelRecorder } from './funnel-recorder';
import { funnelReaderOf, zeroCounts, zeroWays, type FunnelBatch, type FunnelCounts, type FunnelStore } from './funnel';

class MemoryStore implements FunnelStore {
  readonly approximate = false;
  readonly batches: FunnelBatch[] = [];
  failNext = false;
  pruned: string[] = [];
  async add(batch: FunnelBatch): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('connect ECONNREFUSED');
    }
    this.batches.push(batch);
  }
  async counts(): Promise<FunnelCounts> {
    return { totals: zeroCounts(), days: [], ways: zeroWays() };
  }
  async prune(before: string): Promise<void> {
    this.pruned.push(before);
  }
  flat(): string[] {
    return this.batches.flatMap((b) => [...b.values()].flatMap((e) => [...e.readers].map((r) => `${e.day}|${e.stage}|${r}`)));
  }
}

function capturedLogger() {
  const lines: string[] = [];
  const stream = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
  return { logger: pino({ level: 'warn' }, stream), lines };
}

const at = Date.UTC(2026, 10, 27, 23, 59, 59);

describe('funnel recorder', () => {
  it('when a reader reaches a stage many times in a day, then one entry is written, hashed, on flush', async () => {
    const store = new MemoryStore();
    let now = at;
    const recorder = new FunnelRecorder({ store, logger: capturedLogger().logger, clock: () => now });
    for (let i = 0; i < 5; i += 1) recorder.record('metered', 'a:reader');
    recorder.record('paywall', 'u:1');
    recorder.record('metered', undefined);
    now += 2_000; // the next UTC day: counted again, on its own day
    recorder.record('metered', 'a:reader');
    expect(store.batches).toHaveLength(0);
    await recorder.flush();
    expect(store.flat().sort()).toEqual(
      [`2026-11-27|metered|${funnelReaderOf('a:reader')}`, `2026-11-27|paywall|${funnelReaderOf('u:1')}`, `2026-11-28|metered|${funnelReaderOf('a:reader')}`].sort(),
    );
    await recorder.flush();
    expect(store.batches).toHaveLength(1);
    expect(store.pruned).toEqual(['2025-10-24']);
  });

  it('when the store is down, then the batch is dropped with a warning and later batches still go through', async () => {
    const store = new MemoryStore();
    const { logger, lines } = capturedLogger();
    const recorder = new FunnelRecorder({ store, logger, clock: () => at });
    recorder.record('signup', 'u:lost');
    store.failNext = true;
    await expect(recorder.flush()).resolves.toBeUndefined();
    expect(lines.join('')).toContain('funnel figures could not be written');
    recorder.record('signup', 'u:kept');
    await recorder.close();
    expect(store.flat()).toEqual([`2026-11-27|signup|${funnelReaderOf('u:kept')}`]);
  });

  it('when the buffer reaches its bound, then it is written without waiting for the timer', async () => {
    const store = new MemoryStore();
    const recorder = new FunnelRecorder({ store, logger: capturedLogger().logger, clock: () => at, maxPending: 3 });
    for (const reader of ['a:1', 'a:2', 'a:3']) recorder.record('metered', reader);
    await recorder.flush();
    expect(store.batches[0] && [...store.batches[0].values()][0]?.readers.size).toBe(3);
    await recorder.close();
  });

  it('when a write is stuck, then the buffer stops at its bound, the overflow is dropped and counted, and writing resumes after the timeout', async () => {
    const store = new MemoryStore();
    let release: (() => void) | undefined;
    const stuck = new Promise<void>((resolve) => (release = resolve));
    const add = jest.spyOn(store, 'add').mockImplementationOnce(() => stuck);
    const { logger, lines } = capturedLogger();
    const recorder = new FunnelRecorder({ store, logger, maxPending: 10, writeTimeoutMs: 50, clock: () => at });
    for (let i = 0; i < 10; i += 1) recorder.record('metered', `a:first-${i}`);
    await new Promise((r) => setImmediate(r));
    expect(add).toHaveBeenCalledTimes(1);
    // The first ten are being written (and stuck); the buffer refills to its bound, no further.
    for (let i = 0; i < 1_000; i += 1) recorder.record('metered', `a:more-${i}`);
    expect(recorder.pendingSize).toBe(10);
    await recorder.flush();
    expect(lines.some((l) => l.includes('"dropped":990'))).toBe(true);
    expect(lines.some((l) => l.includes('took over 50 ms'))).toBe(true);
    expect(store.flat()).toHaveLength(10);
    release!();
  });

  it('when started, then the timer writes on its own, and close stops it', async () => {
    const store = new MemoryStore();
    const recorder = new FunnelRecorder({ store, logger: capturedLogger().logger, clock: () => at, flushIntervalMs: 10 });
    recorder.start();
    recorder.record('checkout', 'u:2');
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(store.flat()).toEqual([`2026-11-27|checkout|${funnelReaderOf('u:2')}`]);
    await recorder.close();
  });
});
