import { meterWindow, periodEndsAt } from './period';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

describe('meterWindow: calendar month', () => {
  it('when the zone is UTC, then the window is the UTC month', () => {
    const w = meterWindow({ kind: 'calendar-month', timeZone: 'UTC' }, at('2026-11-27T15:00:00Z'));
    expect(iso(w.startMs)).toBe('2026-11-01T00:00:00.000Z');
    expect(iso(w.expireAtMs)).toBe('2026-12-01T00:00:00.000Z');
  });

  it('when December ends, then the next window is January of the next year', () => {
    const w = meterWindow({ kind: 'calendar-month', timeZone: 'UTC' }, at('2026-12-31T23:59:59Z'));
    expect(iso(w.expireAtMs)).toBe('2027-01-01T00:00:00.000Z');
    const next = meterWindow({ kind: 'calendar-month', timeZone: 'UTC' }, at('2027-01-01T00:00:00Z'));
    expect(iso(next.startMs)).toBe('2027-01-01T00:00:00.000Z');
  });

  it("when the zone is ahead of UTC, then the month rolls over at the zone's midnight", () => {
    const period = { kind: 'calendar-month', timeZone: 'Asia/Tokyo' } as const;
    // 2026-11-30T15:30Z is already 1 December 00:30 in Tokyo.
    const w = meterWindow(period, at('2026-11-30T15:30:00Z'));
    expect(iso(w.startMs)).toBe('2026-11-30T15:00:00.000Z');
    expect(iso(w.expireAtMs)).toBe('2026-12-31T15:00:00.000Z');
    const before = meterWindow(period, at('2026-11-30T14:59:00Z'));
    expect(iso(before.expireAtMs)).toBe('2026-11-30T15:00:00.000Z');
  });

  it('when the zone changes offset within the month (DST), then start and end use each date\'s own offset', () => {
    // New York: EDT (UTC-4) on 1 October, EST (UTC-5) on 1 November 2026.
    const w = meterWindow({ kind: 'calendar-month', timeZone: 'America/New_York' }, at('2026-10-15T12:00:00Z'));
    expect(iso(w.startMs)).toBe('2026-10-01T04:00:00.000Z');
    expect(iso(w.expireAtMs)).toBe('2026-11-01T04:00:00.000Z');
    const march = meterWindow({ kind: 'calendar-month', timeZone: 'Europe/Paris' }, at('2026-03-20T12:00:00Z'));
    expect(iso(march.startMs)).toBe('2026-02-28T23:00:00.000Z');
    expect(iso(march.expireAtMs)).toBe('2026-03-31T22:00:00.000Z');
  });

  it('when the period ends, then periodEndsAt is the end of the month', () => {
    const now = at('2026-11-27T15:00:00Z');
    const w = meterWindow({ kind: 'calendar-month', timeZone: 'UTC' }, now);
    expect(periodEndsAt(w, now - 1000, now).toISOString()).toBe('2026-12-01T00:00:00.000Z');
  });
});

describe('meterWindow: rolling', () => {
  it('when the window is N days, then reads from the last N days count and the key lives N days', () => {
    const now = at('2026-11-27T15:00:00Z');
    const w = meterWindow({ kind: 'rolling', days: 30 }, now);
    expect(iso(w.startMs)).toBe('2026-10-28T15:00:00.000Z');
    expect(iso(w.expireAtMs)).toBe('2026-12-27T15:00:00.000Z');
  });

  it('when reads were counted, then the period ends when the oldest leaves the window', () => {
    const now = at('2026-11-27T15:00:00Z');
    const w = meterWindow({ kind: 'rolling', days: 7 }, now);
    expect(periodEndsAt(w, at('2026-11-25T10:00:00Z'), now).toISOString()).toBe('2026-12-02T10:00:00.000Z');
    expect(periodEndsAt(w, undefined, now).toISOString()).toBe('2026-12-04T15:00:00.000Z');
  });
});
