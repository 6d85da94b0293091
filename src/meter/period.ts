import type { MeterPeriod } from './meter-settings';

const dayMs = 24 * 60 * 60 * 1000;

/** The reads that count now: those at or after `startMs`. The meter forgets its key at `expireAtMs`. */
export interface MeterWindow {
  readonly startMs: number;
  readonly expireAtMs: number;
  /** For a calendar month, when it ends; for a rolling window, computed from the oldest read. */
  readonly calendarEndMs: number | undefined;
  readonly rollingDays: number | undefined;
}

// Building an Intl.DateTimeFormat is costly (it was a fifth of a view's CPU in the bench):
// one per time zone, kept.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Milliseconds to add to UTC to get wall-clock time in `timeZone` at instant `ms`. */
function zoneOffsetMs(ms: number, timeZone: string): number {
  const parts = formatterFor(timeZone).formatToParts(new Date(ms));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - Math.floor(ms / 1000) * 1000;
}

/** The instant at which the wall clock in `timeZone` reads midnight on the first of the month. */
function startOfMonthIn(year: number, monthIndex: number, timeZone: string): number {
  const wall = Date.UTC(year, monthIndex, 1);
  let instant = wall - zoneOffsetMs(wall, timeZone);
  // Once more, in case the offset differs on either side of a DST change.
  instant = wall - zoneOffsetMs(instant, timeZone);
  return instant;
}

function wallYearMonth(ms: number, timeZone: string): { year: number; monthIndex: number } {
  const shifted = new Date(ms + zoneOffsetMs(ms, timeZone));
  return { year: shifted.getUTCFullYear(), monthIndex: shifted.getUTCMonth() };
}

// The month being read in each time zone; every view in it shares one window.
const monthWindows = new Map<string, MeterWindow>();

export function meterWindow(period: MeterPeriod, nowMs: number): MeterWindow {
  if (period.kind === 'rolling') {
    return { startMs: nowMs - period.days * dayMs, expireAtMs: nowMs + period.days * dayMs, calendarEndMs: undefined, rollingDays: period.days };
  }
  const cached = monthWindows.get(period.timeZone);
  if (cached !== undefined && nowMs >= cached.startMs && nowMs < cached.expireAtMs) return cached;
  const window = calendarMonthWindow(period.timeZone, nowMs);
  monthWindows.set(period.timeZone, window);
  return window;
}

function calendarMonthWindow(timeZone: string, nowMs: number): MeterWindow {
  const period = { timeZone };
  const { year, monthIndex } = wallYearMonth(nowMs, period.timeZone);
  const startMs = startOfMonthIn(year, monthIndex, period.timeZone);
  const endMs = startOfMonthIn(monthIndex === 11 ? year + 1 : year, (monthIndex + 1) % 12, period.timeZone);
  return { startMs, expireAtMs: endMs, calendarEndMs: endMs, rollingDays: undefined };
}

/** When the reader next gets an article back: the month's end, or when the oldest read leaves the window. */
export function periodEndsAt(window: MeterWindow, oldestReadAtMs: number | undefined, nowMs: number): Date {
  if (window.calendarEndMs !== undefined) return new Date(window.calendarEndMs);
  const days = window.rollingDays ?? 0;
  return new Date((oldestReadAtMs ?? nowMs) + days * dayMs);
}
