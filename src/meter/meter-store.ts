import { StoreUnavailableError } from '../store/store-errors';
import type { Entitlement } from './access-decision';
import type { MeterWindow } from './period';

/**
 * One article view as the store sees it. To keep a view to one round trip, the call also
 * checks that the caller's meter settings are current and reads the reader's entitlement.
 */
export interface ViewQuery {
  /** The settings version the caller decided with; a mismatch answers `stale-settings`. */
  readonly settingsVersion: number;
  /** `a:<anonymous id>` or `u:<account id>`. */
  readonly readerKey: string;
  /** Present for signed-in readers: their entitlement is read in the same call. */
  readonly accountId?: string;
  /**
   * `check`: settings and entitlement only. `peek`: also what the meter would answer,
   * counting nothing. `count`: record the view if the allowance permits.
   */
  readonly mode: 'check' | 'peek' | 'count';
  readonly articleId?: string;
  readonly limit?: number;
  readonly window?: MeterWindow;
  readonly nowMs: number;
  /**
   * A reader without an id yet, on a counted view: the same call counts them against their
   * network's new-reader bound, and past it meters them with an allowance of 0.
   */
  readonly newReader?: NewReaderQuery;
}

export interface NewReaderQuery {
  /** The network's keyed hash for the day. */
  readonly networkKey: string;
  /** `newReadersPerNetwork`; 0 counts nothing and caps no one. */
  readonly bound: number;
  /** When the network's count is forgotten. */
  readonly expireAtMs: number;
}

export interface MeterState {
  /** Counted now, counted before in this period, or (peek) would be counted. */
  readonly granted: boolean;
  /** Distinct articles counted in the period (after this view when counting). */
  readonly used: number;
  readonly alreadyCounted: boolean;
  readonly oldestReadAtMs: number | undefined;
}

export type ViewAnswer =
  | { readonly kind: 'stale-settings' }
  | { readonly kind: 'entitlement-unknown' }
  | {
      readonly kind: 'ok';
      readonly entitlement: Entitlement;
      readonly meter: MeterState | undefined;
      /** Set when the query carried a new reader: past the bound, so metered with an allowance of 0. */
      readonly capped?: boolean;
    };

export interface MeterStore {
  view(query: ViewQuery): Promise<ViewAnswer>;
  /** Carries reads of `fromReaderKey` in the window into `toReaderKey`; a read in both counts once. */
  carryOver(fromReaderKey: string, toReaderKey: string, window: MeterWindow, nowMs: number): Promise<void>;
  /** Tells every instance that settings changed (a no-op where settings are read in place). */
  publishSettingsVersion(version: number): Promise<void>;
  /** Caches an entitlement where the store keeps a cache of them, for at most `ttlSeconds`. */
  cacheEntitlement(accountId: string, entitlement: Entitlement, ttlSeconds?: number): Promise<void>;
  /**
   * New anonymous reader ids of one network (its keyed hash) in the current day: `count`
   * adds this one and answers the count with it, `peek` answers the count so far. The
   * count is forgotten at `expireAtMs`.
   */
  newReaders(networkKey: string, mode: 'count' | 'peek', expireAtMs: number): Promise<number>;
  /**
   * Drops what no decision can need any more: reads before `readsBeforeMs` and network
   * counts expired by `nowMs`. A no-op where the store expires entries by itself.
   */
  prune(readsBeforeMs: number, nowMs: number): Promise<void>;
  /** Forgets a reader's reads (account deletion). */
  forgetReader(readerKey: string): Promise<void>;
  /** Drops a cached entitlement, so the next view reads the database. */
  forgetEntitlement(accountId: string): Promise<void>;
}

/** Raised when the store cannot be reached; the gate then follows `onStoreFailure`. */
export class MeterStoreUnavailable extends StoreUnavailableError {
  constructor(cause: unknown) {
    super('meter store', cause);
    this.name = 'MeterStoreUnavailable';
  }
}
