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

export interface Admission {
  /** Past the bound: this new reader's anonymous allowance is 0. */
  readonly capped: boolean;
  /** The UTC day the answer holds for. */
  readonly day: number;
}

const dayMs = 24 * 60 * 60 * 1000;

/**
 * `newReadersPerNetwork`: how many new anonymous reader ids one network gets in a UTC day,
 * so that clearing cookies does not reset the meter. A network is stored only as an HMAC
 * under a key derived from the secret and the day: yesterday's hashes cannot be linked to
 * today's, and no address is kept or logged. Nothing about the browser is read (no
 * fingerprinting). When the store fails, the reader is not capped, and never kept waiting.
 *
 * Every address counts, private and loopback ones included: behind a proxy, TRUST_PROXY must
 * name it, or every reader shares the proxy's address and one bound.
 */
export class NewReaderBound {
  constructor(private readonly deps: NewReaderBoundDeps) {}

  /** `count`: a new reader id is being issued now. `peek`: what a new reader would get (HEAD). */
  async admit(address: string, mode: 'count' | 'peek'): Promise<Admission> {
    const nowMs = this.deps.clock();
    const day = utcDayOf(nowMs);
    try {
      const { value: settings } = await this.deps.settings.current();
      const bound = settings.newReadersPerNetwork;
      if (bound === 0) return { capped: false, day };
      const readers = await this.deps.store.newReaders(this.networkKey(address, day), mode, (day + 1) * dayMs);
      return { capped: mode === 'count' ? readers > bound : readers >= bound, day };
    } catch (error) {
      if (!(error instanceof MeterStoreUnavailable) && !isStoreOutage(error)) throw error;
      this.deps.logger.warn({ err: error }, 'new-reader bound unavailable; the new reader is not capped');
      return { capped: false, day };
    }
  }

  private networkKey(address: string, day: number): string {
    const dailyKey = createHmac('sha256', this.deps.secret).update(`gatehouse new-reader networks ${day}`).digest();
    return createHmac('sha256', dailyKey).update(networkOf(address)).digest('base64url');
  }
}
