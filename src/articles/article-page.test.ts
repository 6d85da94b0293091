import { defaultMeterSettings } from '../meter/meter.module';
import type { GateResult } from '../meter/meter.module';
import { accountOfferFor, noticeFor } from './article-page';

const monthly = { ...defaultMeterSettings };
const rolling = { ...defaultMeterSettings, period: { kind: 'rolling' as const, days: 30 } };

function metered(settings: GateResult['settings'], remaining: number, limit = 3): GateResult {
  return { decision: 'metered', settings, entitlement: 'none', limit, remaining, used: limit - remaining, periodEndsAt: new Date(), storeUnavailable: false } as GateResult;
}

describe('the meter\'s words', () => {
  it('when the period is a calendar month, then the notice says this month', () => {
    expect(noticeFor(metered(monthly, 2))).toBe('2 free articles left this month.');
    expect(noticeFor(metered(monthly, 1))).toBe('1 free article left this month.');
    expect(noticeFor(metered(monthly, 0))).toBe('This is your last free article this month.');
  });

  it('when the period is a rolling window, then the notice says how many come in any N days, never "this month"', () => {
    expect(noticeFor(metered(rolling, 2))).toBe('2 free articles left (3 free articles in any 30 days).');
    expect(noticeFor(metered(rolling, 0))).toBe('This is your last free article for now (3 free articles in any 30 days).');
  });

  it('when the registration wall is shown, then it says how many articles an account gives, in the period\'s words', () => {
    expect(accountOfferFor({ ...monthly, registeredLimit: 10 })).toBe('A free account gives you 10 free articles a month.');
    expect(accountOfferFor({ ...rolling, registeredLimit: 1 })).toBe('A free account gives you 1 free article in any 30 days.');
    expect(accountOfferFor({ ...monthly, registeredLimit: 0 })).not.toMatch(/\d/);
  });
});
