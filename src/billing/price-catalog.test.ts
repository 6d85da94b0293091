import pino from 'pino';
import { PriceCatalog } from './price-catalog';
import type { StripePrice } from './stripe-price';

const monthly = (amount = 500): StripePrice => ({ id: 'price_m', amount, currency: 'eur', interval: 'month', intervalCount: 1, trialPeriodDays: null });

/** A price source whose every fetch the test answers (or never does); `calls` lists the ids asked for. */
function source() {
  const calls: string[] = [];
  const pending: { resolve: (p: StripePrice) => void; reject: (e: Error) => void }[] = [];
  return {
    calls,
    pending,
    retrieve(priceId: string) {
      calls.push(priceId);
      return new Promise<StripePrice>((resolve, reject) => pending.push({ resolve, reject }));
    },
    /** Answers the oldest fetch not answered yet. */
    answer(price: StripePrice | Error) {
      const next = pending.shift()!;
      if (price instanceof Error) next.reject(price);
      else next.resolve(price);
    },
  };
}

function build(options: { firstFillWaitMs?: number } = {}) {
  const prices = source();
  let now = Date.UTC(2026, 11, 1);
  const catalog = new PriceCatalog({ source: prices, clock: () => now, logger: pino({ level: 'silent' }), freshMs: 600_000, retryMs: 30_000, firstFillWaitMs: options.firstFillWaitMs ?? 60_000 });
  return { catalog, prices, advance: (ms: number) => void (now += ms) };
}

/** Lets answered fetches run their callbacks. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('PriceCatalog', () => {
  it('when a price is asked for the first time, then the view waits for that first fill and gets it', async () => {
    const { catalog, prices } = build();
    const view = catalog.forView(['price_m']);
    prices.answer(monthly());
    expect((await view).get('price_m')).toEqual(monthly());
  });

  it('when Stripe never answers the first fill, then the view goes on without the price, and no second fetch starts', async () => {
    const { catalog, prices } = build({ firstFillWaitMs: 10 });
    // Resolves only because the wait is bounded: the fetch is never answered.
    expect((await catalog.forView(['price_m'])).get('price_m')).toBeUndefined();
    expect((await catalog.forView(['price_m'])).get('price_m')).toBeUndefined();
    expect(prices.calls).toEqual(['price_m']);
  });

  it('when many views ask at once, then one fetch per price is in flight', async () => {
    const { catalog, prices } = build();
    const views = Promise.all([1, 2, 3, 4, 5].map(() => catalog.forView(['price_m', 'price_y'])));
    expect(prices.calls).toEqual(['price_m', 'price_y']);
    prices.answer(monthly());
    prices.answer({ ...monthly(5000), id: 'price_y', interval: 'year' });
    for (const view of await views) expect(view.get('price_y')?.amount).toBe(5000);
  });

  it('when the copy is older than ten minutes, then views get it at once and one refresh runs behind them', async () => {
    const { catalog, prices, advance } = build();
    const first = catalog.fill(['price_m']);
    prices.answer(monthly());
    await first;
    advance(599_999);
    await catalog.forView(['price_m']);
    expect(prices.calls).toHaveLength(1);
    advance(1);
    // The refresh is not answered yet: the view resolving proves it did not wait for it.
    expect((await catalog.forView(['price_m'])).get('price_m')).toEqual(monthly());
    expect((await catalog.forView(['price_m'])).get('price_m')).toEqual(monthly());
    expect(prices.calls).toHaveLength(2);
    prices.answer(monthly(700));
    await settle();
    expect((await catalog.forView(['price_m'])).get('price_m')?.amount).toBe(700);
    expect(prices.calls).toHaveLength(2);
  });

  it('when a refresh fails, then the last good copy stays, no retry for 30 s, then one', async () => {
    const { catalog, prices, advance } = build();
    const first = catalog.fill(['price_m']);
    prices.answer(monthly());
    await first;
    advance(600_000);
    await catalog.forView(['price_m']);
    prices.answer(new Error('Stripe is down'));
    await settle();
    expect((await catalog.forView(['price_m'])).get('price_m')).toEqual(monthly());
    advance(29_000);
    await catalog.forView(['price_m']);
    expect(prices.calls).toHaveLength(2);
    advance(1_000);
    await catalog.forView(['price_m']);
    expect(prices.calls).toHaveLength(3);
  });

  it('when the first fill fails, then later views do not wait and the plan shows without a price', async () => {
    const { catalog, prices } = build();
    const view = catalog.forView(['price_m']);
    prices.answer(new Error('Stripe is down'));
    expect((await view).get('price_m')).toBeUndefined();
    // Settled and backing off: no fetch, nothing to wait for (the 60 s wait would time the test out).
    expect((await catalog.forView(['price_m'])).get('price_m')).toBeUndefined();
    expect(prices.calls).toHaveLength(1);
  });

  it('when Checkout asks for a stale price, then it waits for the fetch, sharing one in flight', async () => {
    const { catalog, prices, advance } = build({ firstFillWaitMs: 10 });
    const first = catalog.fill(['price_m']);
    prices.answer(monthly());
    await first;
    advance(600_000);
    void catalog.forView(['price_m']);
    const checkout = catalog.forCheckout('price_m');
    expect(prices.calls).toHaveLength(2);
    prices.answer({ ...monthly(), trialPeriodDays: 7 });
    expect((await checkout)?.trialPeriodDays).toBe(7);
  });

  it('when a price comes back the same, then the version stays; when it changes, it moves', async () => {
    const { catalog, prices, advance } = build();
    const fill = (price: StripePrice) => {
      const done = catalog.fill(['price_m']);
      prices.answer(price);
      return done;
    };
    await fill(monthly());
    const version = catalog.version;
    advance(600_000);
    await fill(monthly());
    expect(catalog.version).toBe(version);
    advance(600_000);
    await fill(monthly(600));
    expect(catalog.version).toBe(version + 1);
  });
});
