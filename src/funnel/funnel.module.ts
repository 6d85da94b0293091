import type Redis from 'ioredis';
import type { Logger } from 'pino';
import type { Clock } from '../config/clock';
import type { DatabaseHandle } from '../store/database';
import type { RecordedStage } from './funnel';
import { FunnelRecorder } from './funnel-recorder';
import { RedisFunnelStore } from './funnel-store.redis';
import { SqlFunnelStore } from './funnel-store.sql';

export type { FunnelStage, FunnelReport, Day, RecordedStage, WayIn } from './funnel';
export type { FunnelRange } from './funnel-range';
export type { FunnelChart, FunnelBar } from './funnel-chart';
export type { FunnelRecorder } from './funnel-recorder';
export { funnelStages, funnelStageLabels, waysIn, wayInLabels } from './funnel';
export { defaultFunnelRange, parseFunnelRange } from './funnel-range';
export { funnelChart, formatPercent } from './funnel-chart';

/** What other modules need of the funnel: a stage (or a way in) reached by a reader (`u:<id>` or `a:<id>`). */
export interface FunnelSink {
  record(stage: RecordedStage, readerKey: string | undefined): void;
}

export interface FunnelDeps {
  readonly database: DatabaseHandle;
  /** With Redis, approximate figures in HyperLogLogs; without, exact rows in SQL. */
  readonly redis: Redis | undefined;
  readonly keyPrefix: string;
  readonly logger: Logger;
  readonly clock: Clock;
}

export interface FunnelModule {
  readonly recorder: FunnelRecorder;
  /** Stops the timer and writes what is buffered. */
  close(): Promise<void>;
}

export function buildFunnel(deps: FunnelDeps): FunnelModule {
  const store = deps.redis === undefined ? new SqlFunnelStore(deps.database.db) : new RedisFunnelStore(deps.redis, { keyPrefix: deps.keyPrefix });
  const recorder = new FunnelRecorder({ store, logger: deps.logger, clock: deps.clock });
  recorder.start();
  return { recorder, close: () => recorder.close() };
}
