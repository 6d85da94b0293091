import type { RedisClient } from '../store/redis';
import { readerRetentionMonths, type InstitutionReadersBatch, type InstitutionReadersStore, type Month } from './institution-readers';

const retentionSeconds = (readerRetentionMonths + 1) * 31 * 86_400;

/**
 * One HyperLogLog per (month, institution). The keys share one hash tag so that the
 * pipelines (which a Cluster client sends to one node) work on Redis Cluster too.
 */
export class RedisInstitutionReadersStore implements InstitutionReadersStore {
  readonly approximate = true;

  constructor(
    private readonly redis: RedisClient,
    private readonly options: { readonly keyPrefix: string },
  ) {}

  private key(month: Month, institutionId: string): string {
    return `${this.options.keyPrefix}{institutions}:readers:${month}:${institutionId}`;
  }

  async add(batch: InstitutionReadersBatch): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const { month, institutionId, readers } of batch.values()) {
      const key = this.key(month, institutionId);
      pipeline.pfadd(key, ...readers);
      pipeline.expire(key, retentionSeconds);
    }
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([error]) => error !== null);
    if (failed) throw failed[0];
  }

  async counts(month: Month, institutionIds: readonly string[]): Promise<ReadonlyMap<string, number>> {
    if (institutionIds.length === 0) return new Map();
    const pipeline = this.redis.pipeline();
    for (const id of institutionIds) pipeline.pfcount(this.key(month, id));
    const results = (await pipeline.exec()) ?? [];
    return new Map(
      results.map(([error, value], i) => {
        if (error) throw error;
        return [institutionIds[i]!, Number(value)] as const;
      }),
    );
  }

  async prune(): Promise<void> {
    // Each key expires on its own.
  }
}
