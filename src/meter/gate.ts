import type { Decision, Entitlement } from './access-decision';
import type { MeterSettings } from './meter-settings';

export interface Reader {
  /** Set when signed in. */
  readonly accountId?: string;
  /** The anonymous reader cookie's id, when the reader has one. */
  readonly anonymousId?: string;
  /** An anonymous reader issued past the new-reader bound today: no allowance. */
  readonly capped?: boolean;
  /** A search-engine crawler the publisher allows, verified by its address: no id, never counted. */
  readonly crawler?: boolean;
  /** Set with a fresh `anonymousId` when the reader had none: admitted by the view that counts them. */
  readonly newReader?: NewReader;
  /** The institution whose range or email domain covers the reader (SPEC section 13). */
  readonly institution?: ReaderInstitution;
  /** A gift link the reader followed for the article being decided (SPEC section 13). */
  readonly gift?: ReaderGift;
}

/**
 * A gift link on this view, asked only when nothing before it in the decision's order
 * (free, subscriber, institution, crawler) decides. `admit(true)` takes a reader slot on the
 * link (or finds the reader already holds one); `admit(false)` answers without taking one.
 */
export interface ReaderGift {
  admit(count: boolean): Promise<boolean>;
}

/** An institution that gives a reader access, and how a view it decided is counted for its figures. */
export interface ReaderInstitution {
  readonly id: string;
  readonly name: string;
  /** Counts the reader among the institution's readers this month: called by a counted view decided `institution`. */
  readonly countReader?: (readerKey: string) => void;
}

/**
 * A reader without a cookie, on a view that meters. The gate counts them against their
 * network's new-reader bound in the meter store's own call, so a first view costs no more
 * round trips than any other, and then gives them their cookie, capped or not.
 */
export interface NewReader {
  /** Their network's keyed hash for the day, and when its count is forgotten. */
  readonly networkKey: string;
  readonly expireAtMs: number;
  /** Gives the reader their id; `capped`: issued past the bound. Called at most once. */
  issue(capped: boolean): void;
}

/**
 * `count`: a page view. `peek`: the decision without counting, the meter as it stands (the
 * JSON API). `preview`: what a page view would answer now, counting nothing (`HEAD`).
 */
export type GateMode = 'count' | 'peek' | 'preview';

/** A reader's meter as it stands, whatever article comes next (`GET /api/me`). */
export interface ReaderMeter {
  readonly settings: MeterSettings;
  readonly entitlement: Entitlement;
  readonly limit: number;
  readonly used: number;
  readonly remaining: number;
  readonly periodEndsAt: Date;
}

export interface GateResult extends Omit<ReaderMeter, 'limit' | 'remaining'> {
  readonly decision: Decision;
  /** Set when the meter applies to this reader and article. */
  readonly limit: number | null;
  readonly remaining: number | null;
  /** True when the meter store could not be reached and `onStoreFailure` decided. */
  readonly storeUnavailable: boolean;
  /** Set when the decision is `institution`: whom the page names ("Access provided by …"). */
  readonly institution?: { readonly id: string; readonly name: string };
}

export function readerKeyOf(reader: Reader): string | undefined {
  if (reader.accountId !== undefined) return `u:${reader.accountId}`;
  if (reader.anonymousId !== undefined) return `a:${reader.anonymousId}`;
  return undefined;
}
