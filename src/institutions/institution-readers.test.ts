import pino from 'pino';
import { monthOf, monthsBefore, type InstitutionReadersBatch, type InstitutionReadersStore } from './institution-readers';
import { InstitutionReadersRecorder } from './institution-readers.recorder';

const logger = pino({ level: 'silent' });

/** Exact distinct readers in memory, as the SQL store keeps them. */
function memoryStore(fail = false) {
  const rows = new Set<string>();
  const store: InstitutionReadersStore & { rows: Set<string>; pruned: string[] } = {
    approximate: false,
    rows,
    pruned: [],
    add: jest.fn(async (batch: InstitutionReadersBatch) => {
      if (fail) throw new Error('down');
      for (const { month, institutionId, readers } of batch.values()) for (const r of readers) rows.add(`${month}|${institutionId}|${r}`);
    }),
    counts: jest.fn(async (month: string, ids: readonly string[]) => new Map(ids.map((id) => [id, [...rows].filter((r) => r.startsWith(`${month}|${id}|`)).length] as const))),
    prune: jest.fn(async (before: string) => void store.pruned.push(before)),
  };
  return store;
}

describe('InstitutionReadersRecorder', () => {
  it('when readers are recorded, then each is counted once per institution and calendar month, and never by its raw key', async () => {
    let now = Date.UTC(2026, 10, 30, 23, 59);
    const store = memoryStore();
    const recorder = new InstitutionReadersRecorder({ store, logger, clock: () => now });
    for (const key of ['u:1', 'a:2', 'u:1', 'a:2', 'u:1']) recorder.record('city', key);
    recorder.record('campus', 'u:1');
    expect(await recorder.counts('2026-11', ['city', 'campus', 'none'])).toEqual(new Map([['city', 2], ['campus', 1], ['none', 0]]));
    now = Date.UTC(2026, 11, 1, 0, 1);
    recorder.record('city', 'u:1');
    expect((await recorder.counts('2026-12', ['city'])).get('city')).toBe(1);
    expect([...store.rows].some((row) => row.includes('u:1'))).toBe(false);
    expect(store.pruned).toEqual(['2025-10', '2025-11']);
  });

  it('when the store fails, then the batch is dropped without an error (not written again), and the next batch is tried', async () => {
    const failing = memoryStore(true);
    const recorder = new InstitutionReadersRecorder({ store: failing, logger, clock: () => 0 });
    recorder.record('city', 'u:1');
    await expect(recorder.flush()).resolves.toBeUndefined();
    await recorder.flush();
    expect(failing.add).toHaveBeenCalledTimes(1);
    recorder.record('city', 'u:2');
    await recorder.flush();
    expect(failing.add).toHaveBeenCalledTimes(2);
  });

  it('when the buffer is full, then new readers are dropped rather than memory grown', async () => {
    const store = memoryStore();
    const recorder = new InstitutionReadersRecorder({ store, logger, clock: () => 0, maxPending: 3 });
    // The third fills the buffer and starts a flush; the rest arrive while it has not run yet.
    for (let i = 0; i < 10; i += 1) recorder.record('city', `a:${i}`);
    await recorder.flush();
    expect(store.rows.size).toBe(3);
  });
});

describe('months', () => {
  it('when a time or a month is given, then its UTC month, and months before it across years', () => {
    expect(monthOf(Date.UTC(2026, 0, 1))).toBe('2026-01');
    expect(monthOf(Date.UTC(2025, 11, 31, 23, 59, 59))).toBe('2025-12');
    expect(monthsBefore('2026-01', 1)).toBe('2025-12');
    expect(monthsBefore('2026-03', 13)).toBe('2025-02');
  });
});
