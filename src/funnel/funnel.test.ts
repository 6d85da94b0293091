import { funnelReport, zeroCounts, zeroWays, type FunnelCounts } from './funnel';
import { parseFunnelRange } from './funnel-range';
import { funnelChart, formatPercent } from './funnel-chart';

const noon = Date.UTC(2026, 10, 27, 12);

describe('funnel range', () => {
  it('when no dates are given, then the last 30 UTC days up to today', () => {
    expect(parseFunnelRange({}, noon)).toEqual({ ok: true, value: { from: '2026-10-29', to: '2026-11-27' } });
    expect(parseFunnelRange({ from: '', to: '' }, noon)).toEqual({ ok: true, value: { from: '2026-10-29', to: '2026-11-27' } });
  });

  it('when only from is given, then 30 days from it, never past today', () => {
    expect(parseFunnelRange({ from: '2026-01-01' }, noon)).toEqual({ ok: true, value: { from: '2026-01-01', to: '2026-01-30' } });
    expect(parseFunnelRange({ from: '2026-11-20' }, noon)).toEqual({ ok: true, value: { from: '2026-11-20', to: '2026-11-27' } });
  });

  it('when only to is given, then the 30 days ending on it', () => {
    expect(parseFunnelRange({ to: '2026-03-01' }, noon)).toEqual({ ok: true, value: { from: '2026-01-31', to: '2026-03-01' } });
  });

  it('when a date is malformed or not on the calendar, then the field is named', () => {
    expect(parseFunnelRange({ from: '27/11/2026' }, noon)).toEqual({ ok: false, fields: { from: 'must be a date as YYYY-MM-DD' } });
    expect(parseFunnelRange({ to: '2026-02-30' }, noon)).toEqual({ ok: false, fields: { to: 'is not a calendar date' } });
    expect(parseFunnelRange({ to: ['2026-01-01', '2026-01-02'] }, noon)).toMatchObject({ ok: false, fields: { to: expect.any(String) } });
  });

  it('when from is after to, or the range is over 366 days, then 400-worthy errors', () => {
    expect(parseFunnelRange({ from: '2026-05-02', to: '2026-05-01' }, noon)).toEqual({ ok: false, fields: { from: 'must not be after to' } });
    expect(parseFunnelRange({ from: '2024-01-01', to: '2024-12-31' }, noon)).toMatchObject({ ok: true });
    expect(parseFunnelRange({ from: '2024-01-01', to: '2025-01-01' }, noon)).toEqual({ ok: false, fields: { to: 'must be at most 366 days after from' } });
  });
});

function counts(totals: Partial<Record<keyof ReturnType<typeof zeroCounts>, number>>): FunnelCounts {
  return { totals: { ...zeroCounts(), ...totals }, days: [], ways: zeroWays() };
}

describe('funnel report', () => {
  it('when stages have readers, then each is also a share of the stage above, rounded to 0.01%', () => {
    const report = funnelReport('2026-11-01', '2026-11-30', counts({ metered: 1000, gift: 70, 'registration-wall': 300, signup: 45, paywall: 40, checkout: 6, subscribed: 4 }), false);
    expect(report.stages.map((s) => [s.stage, s.readers, s.ofPrevious])).toEqual([
      ['metered', 1000, null],
      ['gift', 70, null],
      ['registration-wall', 300, 0.3],
      ['signup', 45, 0.15],
      ['paywall', 40, 0.8889],
      ['checkout', 6, 0.15],
      ['subscribed', 4, 0.6667],
    ]);
    expect(report).toMatchObject({ from: '2026-11-01', to: '2026-11-30', timeZone: 'UTC', approximate: false });
  });

  it('when readers got in different ways, then the report lists each way with its sign-ups and sign-ins', () => {
    const report = funnelReport('2026-11-01', '2026-11-30', { ...counts({ signup: 7 }), ways: { ...zeroWays(), 'signup-by:password': 3, 'signup-by:provider': 4, 'signin-by:passkey': 9 } }, false);
    expect(report.ways).toEqual([
      { way: 'password', label: 'Password', signups: 3, signins: 0 },
      { way: 'email-link', label: 'Emailed link or code', signups: 0, signins: 0 },
      { way: 'provider', label: 'Identity provider', signups: 4, signins: 0 },
      { way: 'passkey', label: 'Passkey', signups: 0, signins: 9 },
    ]);
  });

  it('when the stage above had no readers, then the share is null, not a division by zero', () => {
    const report = funnelReport('2026-11-01', '2026-11-01', counts({ signup: 2 }), true);
    expect(report.stages.find((s) => s.stage === 'signup')?.ofPrevious).toBeNull();
    expect(report.approximate).toBe(true);
  });
});

describe('funnel chart', () => {
  it('when drawn, then bars scale to the largest stage, an empty stage has no bar and a tiny one a sliver', () => {
    const chart = funnelChart(funnelReport('2026-11-01', '2026-11-30', counts({ metered: 10_000, 'registration-wall': 5_000, signup: 1 }), false));
    const widths = chart.bars.map((b) => b.width);
    expect(widths[0]).toBe(330);
    // The gift stage, empty here.
    expect(widths[1]).toBe(0);
    expect(widths[2]).toBe(165);
    expect(widths[3]).toBe(2);
    expect(widths.slice(4)).toEqual([0, 0, 0]);
    expect(chart.bars.map((b) => b.share)).toEqual(['', '', '50%', '0.02%', '0%', '', '']);
    expect(chart.scale).toBe(330);
  });

  it('when a share is below 10%, then one decimal is kept, two below 1%', () => {
    expect(formatPercent(0.0456)).toBe('4.6%');
    expect(formatPercent(0.0002)).toBe('0.02%');
    expect(formatPercent(0.456)).toBe('46%');
    expect(formatPercent(0)).toBe('0%');
  });
});
