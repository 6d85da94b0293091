import type Redis from 'ioredis';
import type { Logger } from 'pino';
import type { Clock } from '../config/clock';
import type { FunnelSink } from '../funnel/funnel.module';
import type { DatabaseHandle } from '../store/database';
import { EntitlementsRepository } from './entitlements.repository';
import { GateService, type GateMetrics } from './gate.service';
import { MeterPruner } from './meter-pruner';
import { MeterSettingsService } from './meter-settings.service';
import type { MeterStore } from './meter-store';
import { RedisMeterStore } from './meter-store.redis';
import { SqlMeterStore } from './meter-store.sql';
import { NewReaderBound } from './new-reader-bound';
import { buildReaderOf, type ReaderOf } from './reader-of';
import { SettingsRepository } from './settings.repository';

export type { Access, GatedArticle } from './access';
export type { Decision, Entitlement } from './access-decision';
export type { EntitlementLookup, EntitlementsRepository } from './entitlements.repository';
export type { GateMode, GateResult, NewReader, Reader, ReaderGift, ReaderInstitution, ReaderMeter } from './gate';
export type { GateMetrics, GateService } from './gate.service';
export type { FieldErrors, MeterPeriod, MeterSettings } from './meter-settings';
export type { MeterSettingsService, MeterSettingsSource, SettingsDocuments, VersionedSettings } from './meter-settings.service';
export type { MeterStore } from './meter-store';
export type { NetworkToday, NewReaderBound } from './new-reader-bound';
export type { ReaderOf } from './reader-of';
export type { SettingsRepository, StoredSetting } from './settings.repository';
export { accessLevels } from './access';
export { decisions, isFullAccess, meterLimitFor } from './access-decision';
export { readerKeyOf } from './gate';
export { defaultMeterSettings, parseMeterSettings } from './meter-settings';
export { anonymousIdOf } from './reader-cookie';
export { meterWindow } from './period';

export interface MeterDeps {
  readonly database: DatabaseHandle;
  /** With Redis, the meter lives there; without, in the database. */
  readonly redis: Redis | undefined;
  readonly keyPrefix: string;
  /** The session secret: the new-reader bound's daily keys derive from it. */
  readonly secret: string;
  readonly secureCookies: boolean;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly metrics: GateMetrics;
  readonly funnel: FunnelSink;
  /** Replaces the meter store (tests of outages). */
  readonly meterStore?: MeterStore;
}

export interface MeterModule {
  readonly gate: GateService;
  readonly settings: MeterSettingsService;
  readonly store: MeterStore;
  /** The entitlements table the gate decides with; billing writes it in its own transaction. */
  readonly entitlements: EntitlementsRepository;
  readonly newReaders: NewReaderBound;
  readonly readerOf: ReaderOf;
  /** Stops the pruner's timer. */
  close(): void;
}

export function buildMeter(deps: MeterDeps): MeterModule {
  const { database, redis, logger, clock } = deps;
  const entitlements = new EntitlementsRepository(database.db, clock);
  const store =
    deps.meterStore ?? (redis === undefined ? new SqlMeterStore(database.db, database.dialect, entitlements) : new RedisMeterStore(redis, { keyPrefix: deps.keyPrefix }));
  const settings = new MeterSettingsService({ repository: new SettingsRepository(database.db, clock), store, logger });
  const pruner = new MeterPruner({ store, settings, clock, logger });
  pruner.start();
  const gate = new GateService({ settings, store, entitlements, logger, clock, metrics: deps.metrics, funnel: deps.funnel });
  const newReaders = new NewReaderBound({ store, settings, secret: deps.secret, clock, logger });
  return {
    gate,
    settings,
    store,
    entitlements,
    newReaders,
    readerOf: buildReaderOf({ newReaders, clock, secureCookies: deps.secureCookies }),
    close: () => pruner.stop(),
  };
}
