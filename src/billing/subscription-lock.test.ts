import type { Db } from '../store/database';
import { InProcessSubscriptionLock, subscriptionLockKey } from './subscription-lock';

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('InProcessSubscriptionLock', () => {
  const lock = () => new InProcessSubscriptionLock({} as Db);

  it('when two callers lock one subscription, then the second starts only after the first has finished', async () => {
    const l = lock();
    const order: string[] = [];
    const first = gate();
    const a = l.withSubscriptionLock('sub_1', async () => undefined, async () => {
      order.push('a starts');
      await first.opened;
      order.push('a ends');
    });
    const b = l.withSubscriptionLock('sub_1', async () => undefined, async () => {
      order.push('b starts');
    });
    await Promise.resolve();
    expect(l.holders('sub_1')).toBe(2);
    first.open();
    await Promise.all([a, b]);
    expect(order).toEqual(['a starts', 'a ends', 'b starts']);
    expect(l.holders('sub_1')).toBe(0);
  });

  it('when the holder fails, then the lock is let go and the next caller runs', async () => {
    const l = lock();
    const failed = l.withSubscriptionLock('sub_1', async () => undefined, async () => {
      throw new Error('Stripe is down');
    });
    await expect(failed).rejects.toThrow('Stripe is down');
    await expect(l.withSubscriptionLock('sub_1', async () => undefined, async () => 'ran')).resolves.toBe('ran');
  });

  it('when two subscriptions are locked, then neither waits for the other', async () => {
    const l = lock();
    const held = gate();
    const a = l.withSubscriptionLock('sub_1', async () => undefined, () => held.opened);
    await expect(l.withSubscriptionLock('sub_2', async () => undefined, async () => 'free')).resolves.toBe('free');
    held.open();
    await a;
  });
});

describe('subscriptionLockKey', () => {
  it('when given one id twice, then one 32-bit key; two ids, two keys', () => {
    expect(subscriptionLockKey('sub_1')).toBe(subscriptionLockKey('sub_1'));
    expect(subscriptionLockKey('sub_1')).not.toBe(subscriptionLockKey('sub_2'));
    expect(Number.isInteger(subscriptionLockKey('sub_1')) && Math.abs(subscriptionLockKey('sub_1')) <= 2 ** 31).toBe(true);
  });
});
