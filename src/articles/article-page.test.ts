import { defaultMeterSettings } from '../meter/meter.module';
import type { GateResult } from '../meter/meter.module';
import { buildMessages } from '../http/i18n';
import { accountOfferFor, noticeFor } from './article-page';

const monthly = { ...defaultMeterSettings };
const rolling = { ...defaultMeterSettings, period: { kind: 'rolling' as const, days: 30 } };
const en = buildMessages('en');
const de = buildMessages('de');

function metered(settings: GateResult['settings'], remaining: number, limit = 3): GateResult {
  return { decision: 'metered', settings, entitlement: 'none', limit, remaining, used: limit - remaining, periodEndsAt: new Date(), storeUnavailable: false } as GateResult;
}

describe('the meter\'s words', () => {
  it('when the period is a calendar month, then the notice says this month', () => {
    expect(noticeFor(metered(monthly, 2), en)).toBe('2 free articles left this month.');
    expect(noticeFor(metered(monthly, 1), en)).toBe('1 free article left this month.');
    expect(noticeFor(metered(monthly, 0), en)).toBe('This is your last free article this month.');
  });

  it('when the period is a rolling window, then the notice says how many come in any N days, never "this month"', () => {
    expect(noticeFor(metered(rolling, 2), en)).toBe('2 free articles left (3 free articles in any 30 days).');
    expect(noticeFor(metered(rolling, 0), en)).toBe('This is your last free article for now (3 free articles in any 30 days).');
    expect(noticeFor(metered({ ...rolling, period: { kind: 'rolling', days: 1 } }, 1, 1), en)).toBe('1 free article left (1 free article in any 1 day).');
  });

  it('when the registration wall is shown, then it says how many articles an account gives, in the period\'s words', () => {
    expect(en.t(accountOfferFor({ ...monthly, registeredLimit: 10 }))).toBe('A free account gives you 10 free articles a month.');
    expect(en.t(accountOfferFor({ ...rolling, registeredLimit: 1 }))).toBe('A free account gives you 1 free article in any 30 days.');
    expect(en.t(accountOfferFor({ ...monthly, registeredLimit: 0 }))).not.toMatch(/\d/);
  });

  it('when the site is in German, then the plural forms and the period words are German ones', () => {
    expect(noticeFor(metered(monthly, 1), de)).toBe('Noch 1 kostenloser Artikel in diesem Monat.');
    expect(noticeFor(metered(monthly, 2), de)).toBe('Noch 2 kostenlose Artikel in diesem Monat.');
    expect(noticeFor(metered(rolling, 2), de)).toBe('Noch 2 kostenlose Artikel (3 kostenlose Artikel innerhalb von 30 Tagen).');
    expect(de.t(accountOfferFor({ ...monthly, registeredLimit: 1 }))).toBe('Mit einem kostenlosen Konto lesen Sie 1 kostenlosen Artikel im Monat.');
    expect(de.t(accountOfferFor({ ...rolling, registeredLimit: 10 }))).toBe('Mit einem kostenlosen Konto lesen Sie 10 kostenlose Artikel innerhalb von 30 Tagen.');
  });
});
