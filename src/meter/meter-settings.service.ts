import type { Logger } from 'pino';
import { defaultMeterSettings, meterSettingsSchema, type MeterSettings } from './meter-settings';
import type { MeterStore } from './meter-store';
import type { StoredSetting } from './settings.repository';

export interface VersionedSettings {
  readonly value: MeterSettings;
  readonly version: number;
}

/** Where the settings documents are kept (SettingsRepository). */
export interface SettingsDocuments {
  get(name: string): Promise<StoredSetting | undefined>;
  put(name: string, value: unknown, beforeCommit: (version: number) => Promise<void>): Promise<number>;
}

/** What the gate, the pruner and the new-reader bound read of the settings. */
export interface MeterSettingsSource {
  current(): Promise<VersionedSettings>;
  reload(): Promise<VersionedSettings>;
  cachedOrDefault(): VersionedSettings;
}

export interface MeterSettingsServiceDeps {
  readonly repository: SettingsDocuments;
  readonly store: Pick<MeterStore, 'publishSettingsVersion'>;
  readonly logger: Logger;
}

/**
 * This instance's copy of the meter settings. Each view tells the meter store which version
 * it used; the store answers `stale-settings` when another instance has saved a newer one,
 * and the copy is reloaded, so a change applies everywhere on the next request.
 */
export class MeterSettingsService implements MeterSettingsSource {
  private cached: VersionedSettings | undefined;

  constructor(private readonly deps: MeterSettingsServiceDeps) {}

  async current(): Promise<VersionedSettings> {
    return this.cached ?? this.reload();
  }

  /** The copy in hand, without I/O; used while the stores are unreachable. */
  cachedOrDefault(): VersionedSettings {
    return this.cached ?? { value: defaultMeterSettings, version: 0 };
  }

  async reload(): Promise<VersionedSettings> {
    const { repository, store, logger } = this.deps;
    const stored = await repository.get('meter');
    const parsed = stored === undefined ? undefined : meterSettingsSchema.safeParse(stored.value);
    if (parsed !== undefined && !parsed.success) logger.error({ issues: parsed.error.issues }, 'stored meter settings are invalid; using defaults');
    this.cached = {
      value: parsed?.success ? parsed.data : defaultMeterSettings,
      version: stored?.version ?? 0,
    };
    // Makes the store's version the database's, e.g. after Redis lost its data, or after a
    // save whose commit failed once the version was already announced.
    await store.publishSettingsVersion(this.cached.version).catch((error: unknown) => {
      logger.warn({ err: error }, 'could not publish the meter settings version');
    });
    return this.cached;
  }

  /** Saves new settings; when they cannot be announced to every instance, nothing is saved. */
  async replace(value: MeterSettings): Promise<VersionedSettings> {
    const version = await this.deps.repository.put('meter', value, (v) => this.deps.store.publishSettingsVersion(v));
    this.cached = { value, version };
    return this.cached;
  }
}
