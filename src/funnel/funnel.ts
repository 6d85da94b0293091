import { createHash } from 'node:crypto';

/**
 * The conversion funnel, in the order a reader moves through it. Each figure is the number
 * of distinct readers who reached that stage on a day (UTC), or over a range of days.
 */
export const funnelStages = ['metered', 'gift', 'registration-wall', 'signup', 'paywall', 'checkout', 'subscribed'] as const;
export type FunnelStage = (typeof funnelStages)[number];

export const funnelStageLabels: Record<FunnelStage, string> = {
  metered: 'Read a free article',
  // A reader who followed a subscriber's gift link (SPEC section 13); one who then signs up is counted at signup too.
  gift: 'Read a gifted article',
  'registration-wall': 'Saw the registration wall',
  signup: 'Created an account',
  paywall: 'Saw the paywall',
  checkout: 'Went to checkout',
  subscribed: 'Subscribed',
};

/** How a reader got in (issue 15): the funnel counts sign-ups and sign-ins by it, so the publisher sees which converts. */
export const waysIn = ['password', 'email-link', 'provider', 'passkey'] as const;
export type WayIn = (typeof waysIn)[number];

export const wayInLabels: Record<WayIn, string> = {
  password: 'Password',
  'email-link': 'Emailed link or code',
  provider: 'Identity provider',
  passkey: 'Passkey',
};

/** Kept beside the stages: readers who created an account, or signed in, each way. */
export type WayStage = `signup-by:${WayIn}` | `signin-by:${WayIn}`;
export const wayStages: readonly WayStage[] = waysIn.flatMap((way) => [`signup-by:${way}`, `signin-by:${way}`] as const);
/** Everything the recorder keeps per day and reader. */
export type RecordedStage = FunnelStage | WayStage;
export const recordedStages: readonly RecordedStage[] = [...funnelStages, ...wayStages];

export function isRecordedStage(value: string): value is RecordedStage {
  return (recordedStages as readonly string[]).includes(value);
}

/** A UTC calendar day, `YYYY-MM-DD`. */
export type Day = string;

export interface FunnelCounts {
  /** Distinct readers per stage over the whole range (not the sum of the days). */
  readonly totals: Record<FunnelStage, number>;
  readonly days: ReadonlyArray<{ readonly day: Day } & Record<FunnelStage, number>>;
  /** Distinct readers per way in over the whole range. */
  readonly ways: Record<WayStage, number>;
}

/** One batch of distinct readers, per day and stage, as the recorder flushes it. */
export type FunnelBatch = ReadonlyMap<string, { readonly day: Day; readonly stage: RecordedStage; readonly readers: ReadonlySet<string> }>;

/** Where funnel figures are kept: SQL rows (exact) or Redis HyperLogLogs (within about 1%). */
export interface FunnelStore {
  readonly approximate: boolean;
  add(batch: FunnelBatch): Promise<void>;
  counts(from: Day, to: Day): Promise<FunnelCounts>;
  /** Drops figures for days before `before`. */
  prune(before: Day): Promise<void>;
}

/** Days kept before they are pruned. */
export const funnelRetentionDays = 400;

export function dayOf(ms: number): Day {
  return new Date(ms).toISOString().slice(0, 10);
}

export function addDays(day: Day, days: number): Day {
  return dayOf(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000);
}

export function daysBetween(from: Day, to: Day): Day[] {
  const days: Day[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) days.push(day);
  return days;
}

export function zeroCounts(): Record<FunnelStage, number> {
  return Object.fromEntries(funnelStages.map((s) => [s, 0])) as Record<FunnelStage, number>;
}

export function zeroWays(): Record<WayStage, number> {
  return Object.fromEntries(wayStages.map((s) => [s, 0])) as Record<WayStage, number>;
}

/**
 * The stored reader: a keyed hash of the reader key, so the funnel holds no account or
 * cookie id and cannot be joined to the erased consent records of a deleted account.
 */
export function funnelReaderOf(readerKey: string): string {
  return createHash('sha256').update(`gatehouse-funnel\0${readerKey}`).digest('base64url').slice(0, 22);
}

export interface FunnelReport {
  readonly from: Day;
  readonly to: Day;
  readonly timeZone: 'UTC';
  readonly approximate: boolean;
  readonly stages: ReadonlyArray<{ readonly stage: FunnelStage; readonly label: string; readonly readers: number; readonly ofPrevious: number | null }>;
  readonly days: FunnelCounts['days'];
  /** Per way in: readers who created an account that way, and readers who signed in that way. */
  readonly ways: ReadonlyArray<{ readonly way: WayIn; readonly label: string; readonly signups: number; readonly signins: number }>;
}

/** Stages readers reach beside the funnel's line rather than after the stage above. */
const sideStages: ReadonlySet<FunnelStage> = new Set(['gift']);

/** The figures as the admin shows them: each stage also as a share of the one before. */
export function funnelReport(from: Day, to: Day, counts: FunnelCounts, approximate: boolean): FunnelReport {
  let previous: FunnelStage | undefined;
  const stages = funnelStages.map((stage) => {
    const readers = counts.totals[stage];
    const above = previous === undefined ? 0 : counts.totals[previous];
    // A gifted read is a way in beside the meter, not a step after it: no share of its own,
    // and the stage below it is a share of the metered readers, whom the wall meets.
    const side = sideStages.has(stage);
    if (!side) previous = stage;
    return { stage, label: funnelStageLabels[stage], readers, ofPrevious: side || above === 0 ? null : Math.round((readers / above) * 10_000) / 10_000 };
  });
  const ways = waysIn.map((way) => ({ way, label: wayInLabels[way], signups: counts.ways[`signup-by:${way}`], signins: counts.ways[`signin-by:${way}`] }));
  return { from, to, timeZone: 'UTC', approximate, stages, days: counts.days, ways };
}
