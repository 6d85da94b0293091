import pino from 'pino';
import { displayPlans, trialDaysOf } from './plan-display';
import { PlansService } from './plans';
import type { PlansRepository } from './plans.repository';
import { PriceCatalog } from './price-catalog';
import { parseStripePrice, type StripePrice } from './stripe-price';
import type { Plan } from './plans';

const monthly: Plan = { priceId: 'price_m', name: 'Monthly', description: 'Billed monthly' };
const biennial: Plan = { priceId: 'price_2y', name: 'Two years', description: '', highlighted: true };
const eur = (id: string, amount: number, interval: StripePrice['interval'], intervalCount = 1, trialPeriodDays: number | null = null): StripePrice => ({ id, amount, currency: 'eur', interval, intervalCount, trialPeriodDays });

describe('displayPlans', () => {
  it('when prices are known, then each plan carries its price in minor units and in words, and the highlighted one says so', () => {
    const prices = new Map([['price_m', eur('price_m', 500, 'month')], ['price_2y', eur('price_2y', 5000, 'year', 2)]]);
    expect(displayPlans([monthly, biennial], prices, { hadTrial: false })).toEqual([
      { priceId: 'price_m', name: 'Monthly', description: 'Billed monthly', highlighted: false, price: { amount: 500, currency: 'eur', interval: 'month', intervalCount: 1, amountText: '€5.00', formatted: '€5.00 per month' }, trialDays: undefined, trialOffered: false, allowPromotionCodes: false, offer: '€5.00 per month' },
      { priceId: 'price_2y', name: 'Two years', description: '', highlighted: true, price: { amount: 5000, currency: 'eur', interval: 'year', intervalCount: 2, amountText: '€50.00', formatted: '€50.00 every 2 years' }, trialDays: undefined, trialOffered: false, allowPromotionCodes: false, offer: '€50.00 every 2 years' },
    ]);
  });

  it('when a plan has trial days and the reader never had a trial, then the trial is offered before the price', () => {
    const [shown] = displayPlans([{ ...monthly, trialDays: 14, allowPromotionCodes: true }], new Map([['price_m', eur('price_m', 500, 'month')]]), { hadTrial: false });
    expect(shown).toMatchObject({ trialDays: 14, trialOffered: true, allowPromotionCodes: true, offer: 'Free for 14 days, then €5.00 per month' });
  });

  it('when the reader had a trial, then the days are still known but not offered, and the offer is the price alone', () => {
    const [shown] = displayPlans([{ ...monthly, trialDays: 14 }], new Map([['price_m', eur('price_m', 500, 'month')]]), { hadTrial: true });
    expect(shown).toMatchObject({ trialDays: 14, trialOffered: false, offer: '€5.00 per month' });
  });

  it("when the plan has no days of its own, then the price's trial_period_days; the plan's own win over the price's", () => {
    expect(trialDaysOf(monthly, eur('price_m', 500, 'month', 1, 7))).toBe(7);
    expect(trialDaysOf({ ...monthly, trialDays: 30 }, eur('price_m', 500, 'month', 1, 7))).toBe(30);
    expect(trialDaysOf(monthly, undefined)).toBeUndefined();
    expect(trialDaysOf(monthly, eur('price_m', 500, 'month'))).toBeUndefined();
  });

  it("when the site's locale is German, then the amount alone is written the German way for the catalog's words", () => {
    const [shown] = displayPlans([monthly], new Map([['price_m', eur('price_m', 500, 'month')]]), { hadTrial: false }, 'de');
    expect(shown!.price!.amountText.replace(/\u00a0/g, ' ')).toBe('5,00 €');
    expect(shown!.price!.formatted).toBe('€5.00 per month');
  });

  it('when the price is unknown or not one recurring amount, then the plan shows without a price (the trial still)', () => {
    const prices = new Map<string, StripePrice | undefined>([['price_m', { ...eur('price_m', 0, 'month'), amount: null }], ['price_2y', eur('price_2y', 900, null)]]);
    const shown = displayPlans([{ ...monthly, trialDays: 14 }, biennial, { priceId: 'price_x', name: 'X', description: '' }], prices, { hadTrial: false });
    expect(shown.map((p) => [p.price, p.offer])).toEqual([[undefined, 'Free for 14 days'], [undefined, undefined], [undefined, undefined]]);
  });
});

describe('parseStripePrice', () => {
  it("when Stripe answers a price object, then its amount, currency, interval, count and trial are kept", () => {
    const object = { id: 'price_1', object: 'price', currency: 'USD', unit_amount: 1200, recurring: { interval: 'month', interval_count: 3, trial_period_days: 14, usage_type: 'licensed' }, nickname: null };
    expect(parseStripePrice(object)).toEqual({ id: 'price_1', amount: 1200, currency: 'usd', interval: 'month', intervalCount: 3, trialPeriodDays: 14 });
  });

  it('when the price is one-off or tiered, then no interval or no amount; when it is not a price, then it throws', () => {
    expect(parseStripePrice({ id: 'price_1', currency: 'eur', unit_amount: 500, recurring: null })).toMatchObject({ interval: null, amount: 500 });
    expect(parseStripePrice({ id: 'price_1', currency: 'eur', unit_amount: null, recurring: { interval: 'year', interval_count: 1, trial_period_days: null } })).toMatchObject({ amount: null, interval: 'year', trialPeriodDays: null });
    expect(() => parseStripePrice({ id: 'price_1', currency: 'euro', unit_amount: 5 })).toThrow();
    expect(() => parseStripePrice({ error: { message: 'No such price' } })).toThrow();
  });
});

describe('PlansService.listForDisplay', () => {
  function build(plans: Plan[], price: StripePrice) {
    const trialLookups: string[] = [];
    const repository = { get: async () => plans, put: async () => undefined } as unknown as PlansRepository;
    const prices = new PriceCatalog({ source: { retrieve: async (id) => ({ ...price, id }) }, clock: Date.now, logger: pino({ level: 'silent' }) });
    const service = new PlansService({ repository, clock: Date.now, prices, trials: { hadTrial: async (id) => (trialLookups.push(id), id === 'acc_trialled') } });
    return { service, trialLookups };
  }

  it('when a signed-in reader had a trial, then they are not offered one; an anonymous reader or another account is', async () => {
    const { service } = build([{ ...monthly, trialDays: 14 }], eur('price_m', 500, 'month'));
    expect((await service.listForDisplay('acc_trialled'))[0]).toMatchObject({ trialOffered: false, offer: '€5.00 per month' });
    expect((await service.listForDisplay('acc_new'))[0]).toMatchObject({ trialOffered: true, offer: 'Free for 14 days, then €5.00 per month' });
    expect((await service.listForDisplay())[0]).toMatchObject({ trialOffered: true });
  });

  it('when no plan has a trial, then no account is looked up, and the same display is handed out again', async () => {
    const { service, trialLookups } = build([monthly], eur('price_m', 500, 'month'));
    const first = await service.listForDisplay('acc_new');
    expect(await service.listForDisplay('acc_other')).toBe(first);
    expect(trialLookups).toEqual([]);
  });
});
