import type { Logger } from 'pino';
import type { Clock } from '../config/clock';
import { InstitutionDirectory } from './institution-directory';
import { parseInstitutions, type Institution } from './institutions';
import type { InstitutionsRepository } from './institutions.repository';

export interface InstitutionsServiceDeps {
  readonly repository: Pick<InstitutionsRepository, 'get' | 'put'>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** How long an instance keeps its copy before reading the database again. */
  readonly ttlMs?: number;
}

/** Within this, a change saved on one instance applies on every other (on its own at once). */
export const institutionsTtlMs = 5000;

export interface VersionedDirectory {
  readonly directory: InstitutionDirectory;
  /** The stored document's version (0: never saved). */
  readonly version: number;
}

const empty: VersionedDirectory = { directory: new InstitutionDirectory([]), version: 0 };

/**
 * This instance's copy of the institutions, compiled for matching. Every gated view asks
 * it, so it is kept in memory and read again once `ttlMs` old (one query per instance per
 * five seconds, shared by the views arriving meanwhile), and compiled again only when its
 * version changed.
 */
export class InstitutionsService {
  private cached: { value: VersionedDirectory; loadedAt: number } | undefined;
  private loading: Promise<VersionedDirectory> | undefined;
  private readonly ttlMs: number;

  constructor(private readonly deps: InstitutionsServiceDeps) {
    this.ttlMs = deps.ttlMs ?? institutionsTtlMs;
  }

  /** For a view: never fails; while the database cannot be read, the copy in hand (or none). */
  async current(): Promise<VersionedDirectory> {
    const { cached } = this;
    if (cached !== undefined && this.deps.clock() - cached.loadedAt < this.ttlMs) return cached.value;
    this.loading ??= this.reload()
      .catch((error: unknown) => {
        this.deps.logger.warn({ err: error }, 'could not read the institutions; using the copy in hand');
        const value = this.cached?.value ?? empty;
        // Tried again after another ttlMs, not on every view while the database is down.
        this.cached = { value, loadedAt: this.deps.clock() };
        return value;
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }

  /** Read afresh (the admin shows what is stored). */
  async reload(): Promise<VersionedDirectory> {
    const stored = await this.deps.repository.get();
    // A read that started before this instance saved a newer version must not put the older one back.
    if (this.cached !== undefined && stored !== undefined && stored.version <= this.cached.value.version) {
      this.cached = { value: this.cached.value, loadedAt: this.deps.clock() };
      return this.cached.value;
    }
    const parsed = stored === undefined ? undefined : parseInstitutions(stored.value);
    if (parsed !== undefined && !parsed.ok) this.deps.logger.error({ fields: parsed.fields }, 'stored institutions are invalid; none apply');
    const value = { directory: new InstitutionDirectory(parsed?.ok ? parsed.value : []), version: stored?.version ?? 0 };
    this.cached = { value, loadedAt: this.deps.clock() };
    return value;
  }

  async list(): Promise<readonly Institution[]> {
    return (await this.reload()).directory.institutions;
  }

  /** Saves a checked list whole; undefined when another admin saved at the same moment. */
  async replace(institutions: readonly Institution[]): Promise<readonly Institution[] | undefined> {
    const version = await this.deps.repository.put(institutions);
    if (version === undefined) return undefined;
    this.cached = { value: { directory: new InstitutionDirectory(institutions), version }, loadedAt: this.deps.clock() };
    return institutions;
  }
}
