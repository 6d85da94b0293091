import type { RedisClient } from '../store/redis';
import { daysBetween, funnelRetentionDays, funnelStages, wayStages, zeroCounts, zeroWays, type Day, type FunnelBatch, type FunnelCounts, type FunnelStore } from './funnel';

/**
 * One HyperLogLog per (day, stage): at most 12 KB each however many readers, counts
 * within about 1%, and a range's distinct readers are the union (PFCOUNT over its days).
 * The keys share one hash tag so that multi-key PFCOUNT, and the pipelines (which a
 * Cluster client sends to one node), work on Redis Cluster too.
 */
export class RedisFunnelStore implements FunnelStore {
  readonly approximate = true;

  constructor(
    private readonly redis: RedisClient,
    private readonly options: { readonly keyPrefix: string },
  ) {}

  private key(day: Day, stage: string): string {
    return `${this.options.keyPrefix}{funnel}:${day}:${stage}`;
  }

  async add(batch: FunnelBatch): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const { day, stage, readers } of batch.values()) {
      const key = this.key(day, stage);
      pipeline.pfadd(key, ...readers);
      pipeline.expire(key, funnelRetentionDays * 86_400);
    }
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([error]) => error !== null);
    if (failed) throw failed[0];
  }

  async counts(from: Day, to: Day): Promise<FunnelCounts> {
    const days = daysBetween(from, to);
    const pipeline = this.redis.pipeline();
    for (const stage of funnelStages) pipeline.pfcount(...days.map((day) => this.key(day, stage)));
    for (const day of days) for (const stage of funnelStages) pipeline.pfcount(this.key(day, stage));
    for (const stage of wayStages) pipeline.pfcount(...days.map((day) => this.key(day, stage)));
    const results = (await pipeline.exec()) ?? [];
    const values = results.map(([error, value]) => {
      if (error) throw error;
      return Number(value);
    });
    const totals = zeroCounts();
    funnelStages.forEach((stage, i) => (totals[stage] = values[i]!));
    let next = funnelStages.length;
    const perDay = days.map((day) => {
      const entry = { day, ...zeroCounts() };
      for (const stage of funnelStages) entry[stage] = values[next++]!;
      return entry;
    });
    const ways = zeroWays();
    for (const stage of wayStages) ways[stage] = values[next++]!;
    return { totals, days: perDay, ways };
  }

  async prune(): Promise<void> {
    // Each key expires funnelRetentionDays after its last write.
  }
}
