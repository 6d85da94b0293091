import { createHash } from 'node:crypto';

/** A calendar month in UTC, `YYYY-MM`. */
export type Month = string;

export const monthPattern = /^\d{4}-(0[1-9]|1[0-2])$/;

export function monthOf(ms: number): Month {
  return new Date(ms).toISOString().slice(0, 7);
}

/** Months kept before they are pruned: a year back, and the month in progress. */
export const readerRetentionMonths = 13;

export function monthsBefore(month: Month, count: number): Month {
  const [year, mon] = month.split('-').map(Number) as [number, number];
  const date = new Date(Date.UTC(year, mon - 1 - count, 1));
  return monthOf(date.getTime());
}

/** One batch of distinct readers per (month, institution), as the recorder writes it. */
export type InstitutionReadersBatch = ReadonlyMap<string, { readonly month: Month; readonly institutionId: string; readonly readers: ReadonlySet<string> }>;

/**
 * Distinct readers per institution and month: SQL rows in embedded mode (exact), Redis
 * HyperLogLogs in production (within about 1%, 12 KB at most per institution and month).
 */
export interface InstitutionReadersStore {
  readonly approximate: boolean;
  add(batch: InstitutionReadersBatch): Promise<void>;
  counts(month: Month, institutionIds: readonly string[]): Promise<ReadonlyMap<string, number>>;
  /** Drops months before `before`. */
  prune(before: Month): Promise<void>;
}

/** A reader key as stored: a hash, so the figures hold no account id or cookie value. */
export function storedReaderOf(readerKey: string): string {
  return createHash('sha256').update(`gatehouse-institution-reader\0${readerKey}`).digest('base64url').slice(0, 22);
}
