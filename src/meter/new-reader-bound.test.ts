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
  return { bounded, calls, setNow: (ms: number) => (now = ms) };
}

describe('NewReaderBound', () => {
  it('when more new readers than the bound come from one network, then the later ones are capped for that UTC day', async () => {
    const { bounded, calls } = harness(2);
    const answers = [];
    for (let i = 0; i < 4; i += 1) answers.push((await bounded.admit('198.51.100.7', 'count')).capped);
    expect(answers).toEqual([false, false, true, true]);
    expect((await bounded.admit('198.51.100.8', 'count')).capped).toBe(false);
    expect(calls[0]!.expireAtMs).toBe(Date.UTC(2027, 2, 11));
    expect((await bounded.admit('198.51.100.7', 'count')).day).toBe(Math.floor(noon / day));
  });

  it('when peeking, then nothing is counted and the answer is what the next new reader would get', async () => {
    const { bounded } = harness(1);
    expect((await bounded.admit('198.51.100.9', 'peek')).capped).toBe(false);
    expect((await bounded.admit('198.51.100.9', 'peek')).capped).toBe(false);
    expect((await bounded.admit('198.51.100.9', 'count')).capped).toBe(false);
    expect((await bounded.admit('198.51.100.9', 'peek')).capped).toBe(true);
  });

  it('when addresses share an IPv6 /64, then they share one key; the key holds no address and changes with the day', async () => {
    const { bounded, calls, setNow } = harness(5);
    await bounded.admit('2001:db8:1:2::1', 'count');
    await bounded.admit('2001:db8:1:2:aaaa:bbbb:cccc:dddd', 'count');
    await bounded.admit('2001:db8:1:3::1', 'count');
    setNow(noon + day);
    await bounded.admit('2001:db8:1:2::1', 'count');
    const keys = calls.map((c) => c.key);
    expect(keys[0]).toBe(keys[1]);
    expect(keys[2]).not.toBe(keys[0]);
    expect(keys[3]).not.toBe(keys[0]);
    for (const key of keys) expect(key).not.toMatch(/2001|db8|:/);
  });

  it('when the bound is 0, then nothing is counted and no one is capped', async () => {
    const off = harness(0);
    expect((await off.bounded.admit('198.51.100.7', 'count')).capped).toBe(false);
    expect(off.calls).toEqual([]);
  });

  it('when readers come from loopback or private addresses, then they are bounded like any other network (TRUST_PROXY names a proxy)', async () => {
    for (const address of ['127.0.0.1', '::1', '10.0.0.5', '192.168.1.2', 'fd00::1']) {
      const local = harness(1);
      expect((await local.bounded.admit(address, 'count')).capped).toBe(false);
      expect((await local.bounded.admit(address, 'count')).capped).toBe(true);
    }
  });

  it('when the store is down, then the new reader is not capped and nothing throws', async () => {
    const { bounded, calls } = harness(1, { failing: true });
    expect((await bounded.admit('198.51.100.7', 'count')).capped).toBe(false);
    expect((await bounded.admit('198.51.100.7', 'count')).capped).toBe(false);
    expect(calls).toHaveLength(2);
  });
});
