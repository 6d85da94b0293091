import { createHmac } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../config/clock';
import { networkOf } from '../http/network';
import { isStoreOutage } from '../store/store-errors';
import type { MeterSettingsSource } from './meter-settings.service';
import { MeterStoreUnavailable, type MeterStore } from './meter-store';
import { utcDayOf } from './reader-cookie';

export interface NewReaderBoundDeps {
  readonly store: MeterStore;
  readonly settings: Pick<MeterSettingsSource, 'current'>;
  /** The session secret: each day's hashing key derives from it. */
  readonly secret: string;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** A network as the bound keeps it on one UTC day. */
export interface NetworkToday {
  /** The keyed hash of the network under the day's key. */
  readonly key: string;
  readonly day: number;
  /** The end of the day: the count is forgotten then. */
  readonly expireAtMs: number;
}

const dayMs = 24 * 60 * 60 * 1000;

/**
 * `newReadersPerNetwork`: how many new anonymous reader ids one network gets in a UTC day,
 * so that clearing cookies does not reset the meter. A network is stored only as an HMAC
 * under a key derived from the secret and the day: yesterday's hashes cannot be linked to
 * today's, and no address is kept or logged. Nothing about the browser is read (no
 * fingerprinting). A new reader on a view is counted by the meter store in the view's own
 * call (the gate asks it with `networkToday`); this class answers peeks. When the store
 * fails, the reader is not capped, and never kept waiting.
 *
 * Every address counts, private and loopback ones included: behind a proxy, TRUST_PROXY must
 * name it, or every reader shares the proxy's address and one bound.
 */
export class NewReaderBound {
  constructor(private readonly deps: NewReaderBoundDeps) {}

  /** Where a new reader from this address is counted now. */
  networkToday(address: string): NetworkToday {
    const day = utcDayOf(this.deps.clock());
    return { key: this.networkKey(address, day), day, expireAtMs: (day + 1) * dayMs };
  }

  /** Whether a new reader from this address would be capped now, counting nothing (HEAD, the JSON API). */
  async peek(address: string): Promise<boolean> {
    try {
      const { value: settings } = await this.deps.settings.current();
      const bound = settings.newReadersPerNetwork;
      if (bound === 0) return false;
      const network = this.networkToday(address);
      return (await this.deps.store.newReaders(network.key, 'peek', network.expireAtMs)) >= bound;
    } catch (error) {
      if (!(error instanceof MeterStoreUnavailable) && !isStoreOutage(error)) throw error;
      this.deps.logger.warn({ err: error }, 'new-reader bound unavailable; the new reader is not capped');
      return false;
    }
  }

  /** The day's hashing key, derived once a day rather than once per new reader. */
  private dailyKey: { readonly day: number; readonly key: Buffer } | undefined;

  private networkKey(address: string, day: number): string {
    if (this.dailyKey?.day !== day) this.dailyKey = { day, key: createHmac('sha256', this.deps.secret).update(`gatehouse new-reader networks ${day}`).digest() };
    return createHmac('sha256', this.dailyKey.key).update(networkOf(address)).digest('base64url');
  }
}
