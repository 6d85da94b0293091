import { formatAmount, formatRecurringPrice, formatTrialOffer, intervalWords, minorUnitsPerUnit } from './price-format';

describe('price formatting', () => {
  it.each([
    [500, 'eur', '€5.00'],
    [5000, 'EUR', '€50.00'],
    [999, 'usd', '$9.99'],
    [450, 'gbp', '£4.50'],
    [500, 'jpy', '¥500'],
    [12000, 'krw', '₩12,000'],
    [1500, 'kwd', 'KWD 1.500'],
    [129900, 'chf', 'CHF 1,299.00'],
  ])('when the amount is %p %s, then it reads %p', (amount, currency, text) => {
    expect(formatAmount(amount, currency).replace(/\u00a0/g, ' ')).toBe(text);
  });

  it("when the currency is one Stripe counts in hundredths though ISO has no decimals (ISK), then Stripe's rule holds", () => {
    expect(minorUnitsPerUnit('isk')).toBe(100);
    expect(formatAmount(50000, 'isk').replace(/\u00a0/g, ' ')).toBe('ISK 500');
  });

  it('when the locale is German, then the amount is written the German way', () => {
    expect(formatAmount(500, 'eur', 'de').replace(/\u00a0/g, ' ')).toBe('5,00 €');
  });

  it.each([
    ['month', 1, 'per month'],
    ['year', 1, 'per year'],
    ['week', 1, 'per week'],
    ['day', 1, 'per day'],
    ['month', 3, 'every 3 months'],
    ['year', 2, 'every 2 years'],
    ['week', 2, 'every 2 weeks'],
    ['day', 10, 'every 10 days'],
  ] as const)('when the interval is %s × %i, then "%s"', (interval, count, words) => {
    expect(intervalWords(interval, count)).toBe(words);
  });

  it('when a recurring price is written, then amount and interval together', () => {
    expect(formatRecurringPrice({ amount: 500, currency: 'eur', interval: 'month', intervalCount: 1 })).toBe('€5.00 per month');
    expect(formatRecurringPrice({ amount: 5000, currency: 'eur', interval: 'year', intervalCount: 2 })).toBe('€50.00 every 2 years');
    expect(formatRecurringPrice({ amount: 1200, currency: 'usd', interval: 'month', intervalCount: 3 })).toBe('$12.00 every 3 months');
  });

  it('when a trial is offered, then its days come first, with the price when known', () => {
    expect(formatTrialOffer(14, '€5.00 per month')).toBe('Free for 14 days, then €5.00 per month');
    expect(formatTrialOffer(1, '$9.99 per week')).toBe('Free for 1 day, then $9.99 per week');
    expect(formatTrialOffer(30, undefined)).toBe('Free for 30 days');
  });
});
