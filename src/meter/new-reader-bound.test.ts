import pino from 'pino';
import { NewReaderBound } from './new-reader-bound';
import { defaultMeterSettings } from './meter-settings';
import { MeterStoreUnavailable, type MeterStore } from './meter-store';

const day = 86_400_000;
const noon = Date.UTC(2027, 2, 10, 12);

function harness(bound: number, options: { failing?: boolean } = {}) {
  const counts = new Map<string, number>();
  const calls: { key: string; mode: string; expireAtMs: number }[] = [];
  const store = {
    async newReaders(key: string, mode: 'count' | 'peek', expireAtMs: number) {
      calls.push({ key, mode, expireAtMs });
      if (options.failing) throw new MeterStoreUnavailable(new Error('down'));
      if (mode === 'count') counts.set(key, (counts.get(key) ?? 0) + 1);
      return counts.get(key) ?? 0;
    },
  } as unknown as MeterStore;
  const settings = { current: async () => ({ value: { ...defaultMeterSettings, newReadersPerNetwork: bound }, version: 1 }) };
  let now = noon;
  const bounded = new NewReaderBound({ store, settings, secret: 'a-secret-long-enough-for-tests', clock: () => now, logger: pino({ level: 'silent' }) });
  /** A new reader counted as a view's store call counts them. */
  const count = async (address: string) => {
    const network = bounded.networkToday(address);
    await store.newReaders(network.key, 'count', network.expireAtMs);
  };
  return { bounded, calls, count, setNow: (ms: number) => (now = ms) };
}

describe('NewReaderBound', () => {
  it('when a new reader comes, then their network is counted for the rest of that UTC day', () => {
    const { bounded } = harness(2);
    expect(bounded.networkToday('198.51.100.7')).toMatchObject({ day: Math.floor(noon / day), expireAtMs: Date.UTC(2027, 2, 11) });
    expect(bounded.networkToday('198.51.100.8').key).not.toBe(bounded.networkToday('198.51.100.7').key);
  });

  it('when peeking, then nothing is counted and the answer is what the next new reader would get', async () => {
    const { bounded, calls, count } = harness(1);
    expect(await bounded.peek('198.51.100.9')).toBe(false);
    expect(await bounded.peek('198.51.100.9')).toBe(false);
    await count('198.51.100.9');
    expect(await bounded.peek('198.51.100.9')).toBe(true);
    expect(calls.map((c) => c.mode)).toEqual(['peek', 'peek', 'count', 'peek']);
  });

  it('when addresses share an IPv6 /64, then they share one key; the key holds no address and changes with the day', () => {
    const { bounded, setNow } = harness(5);
    const keys = [bounded.networkToday('2001:db8:1:2::1').key, bounded.networkToday('2001:db8:1:2:aaaa:bbbb:cccc:dddd').key, bounded.networkToday('2001:db8:1:3::1').key];
    setNow(noon + day);
    keys.push(bounded.networkToday('2001:db8:1:2::1').key);
    expect(keys[0]).toBe(keys[1]);
    expect(keys[2]).not.toBe(keys[0]);
    expect(keys[3]).not.toBe(keys[0]);
    for (const key of keys) expect(key).not.toMatch(/2001|db8|:/);
  });

  it('when the bound is 0, then a peek asks nothing and caps no one', async () => {
    const off = harness(0);
    expect(await off.bounded.peek('198.51.100.7')).toBe(false);
    expect(off.calls).toEqual([]);
  });

  it('when readers come from loopback or private addresses, then they are bounded like any other network (TRUST_PROXY names a proxy)', async () => {
    for (const address of ['127.0.0.1', '::1', '10.0.0.5', '192.168.1.2', 'fd00::1']) {
      const local = harness(1);
      expect(await local.bounded.peek(address)).toBe(false);
      await local.count(address);
      expect(await local.bounded.peek(address)).toBe(true);
    }
  });

  it('when the store is down, then a peek answers not capped and nothing throws', async () => {
    const { bounded, calls } = harness(1, { failing: true });
    expect(await bounded.peek('198.51.100.7')).toBe(false);
    expect(calls).toHaveLength(1);
  });
});
