import type { Access } from './access';
import type { MeterSettings } from './meter-settings';

export const decisions = ['free', 'subscriber', 'metered', 'registration-wall', 'paywall', 'crawler', 'institution', 'gift'] as const;
export type Decision = (typeof decisions)[number];
export type Entitlement = 'none' | 'subscriber';

export interface ReaderStatus {
  readonly signedIn: boolean;
  readonly entitlement: Entitlement;
  /** A search-engine crawler the publisher allows, verified by its address (SPEC section 12). */
  readonly crawler?: boolean;
  /** Covered by an institution's address range or verified email domain (SPEC section 13). */
  readonly institution?: boolean;
  /** Followed a valid gift link for this article, with a reader slot left on it (SPEC section 13). */
  readonly gift?: boolean;
}

/** An article's own `access` wins over its section's default, which wins over `metered`. */
export function effectiveAccess(article: { access: Access | undefined; section: string }, sections: MeterSettings['sections']): Access {
  return article.access ?? sections[article.section] ?? 'metered';
}

/**
 * The reader's allowance. An anonymous reader issued past its network's new-reader bound
 * (`capped`) has none: they meet the free registration wall, not the paywall.
 */
export function meterLimitFor(reader: { signedIn: boolean; capped?: boolean }, settings: Pick<MeterSettings, 'anonymousLimit' | 'registeredLimit'>): number {
  if (reader.signedIn) return settings.registeredLimit;
  return reader.capped === true ? 0 : settings.anonymousLimit;
}

function wallFor(reader: ReaderStatus): Decision {
  return reader.signedIn ? 'paywall' : 'registration-wall';
}

/**
 * The meter's answer for this view: `granted` (counted now, or already counted this
 * period), `refused` (allowance used up), or `unavailable` (the store could not be reached).
 */
export type MeterOutcome = 'granted' | 'refused' | 'unavailable';

/** Whether this view needs the meter at all; free articles, subscribers, institutions' readers, crawlers, gift readers and premium never touch it. */
export function needsMeter(access: Access, reader: ReaderStatus, limit: number): boolean {
  return access === 'metered' && reader.entitlement !== 'subscriber' && reader.institution !== true && reader.crawler !== true && reader.gift !== true && limit > 0;
}

/**
 * The access decision: a pure function of the article's effective access, the reader, the
 * meter's outcome (when it was asked) and the publisher's failure policy.
 */
export function decideAccess(input: {
  access: Access;
  reader: ReaderStatus;
  limit: number;
  meter: MeterOutcome | undefined;
  onStoreFailure: MeterSettings['onStoreFailure'];
}): Decision {
  const { access, reader, limit, meter } = input;
  if (access === 'free') return 'free';
  if (reader.entitlement === 'subscriber') return 'subscriber';
  // An institution's reader reads everything, premium included, never counted.
  if (reader.institution === true) return 'institution';
  // Before the meter and premium: a verified crawler indexes every article, never counted.
  if (reader.crawler === true) return 'crawler';
  // A gift link reads that article whole, premium included, never counted.
  if (reader.gift === true) return 'gift';
  if (access === 'premium') return 'paywall';
  if (limit === 0) return wallFor(reader);
  switch (meter) {
    case 'granted':
      return 'metered';
    case 'refused':
      return wallFor(reader);
    case 'unavailable':
    case undefined:
      return input.onStoreFailure === 'open' ? 'metered' : wallFor(reader);
  }
}

/** Decisions under which the whole article is sent. */
export function isFullAccess(decision: Decision): boolean {
  return decision === 'free' || decision === 'subscriber' || decision === 'metered' || decision === 'crawler' || decision === 'institution' || decision === 'gift';
}
