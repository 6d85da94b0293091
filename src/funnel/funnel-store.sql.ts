import type { Db } from '../store/database';
import { daysBetween, funnelStages, wayStages, zeroCounts, zeroWays, type Day, type FunnelBatch, type FunnelCounts, type FunnelStage, type FunnelStore, type WayStage } from './funnel';

const rowsPerInsert = 500;

/** Exact figures: one row per (day, stage, reader), so a repeated reader adds nothing. */
export class SqlFunnelStore implements FunnelStore {
  readonly approximate = false;

  constructor(private readonly db: Db) {}

  async add(batch: FunnelBatch): Promise<void> {
    const rows = [...batch.values()].flatMap(({ day, stage, readers }) => [...readers].map((reader) => ({ day, stage, reader })));
    for (let i = 0; i < rows.length; i += rowsPerInsert) {
      await this.db
        .insertInto('funnel_readers')
        .values(rows.slice(i, i + rowsPerInsert))
        .onConflict((oc) => oc.columns(['day', 'stage', 'reader']).doNothing())
        .execute();
    }
  }

  async counts(from: Day, to: Day): Promise<FunnelCounts> {
    const inRange = this.db.selectFrom('funnel_readers').where('day', '>=', from).where('day', '<=', to);
    const [perDay, totals] = await Promise.all([
      inRange.select(['day', 'stage', (eb) => eb.fn.countAll<number | string>().as('readers')]).groupBy(['day', 'stage']).execute(),
      inRange.select(['stage', (eb) => eb.fn.count<number | string>('reader').distinct().as('readers')]).groupBy('stage').execute(),
    ]);
    const byDay = new Map(daysBetween(from, to).map((day) => [day, { day, ...zeroCounts() }]));
    for (const row of perDay) {
      const entry = byDay.get(row.day);
      if (entry && isStage(row.stage)) entry[row.stage] = Number(row.readers);
    }
    const total = zeroCounts();
    const ways = zeroWays();
    for (const row of totals) {
      if (isStage(row.stage)) total[row.stage] = Number(row.readers);
      else if (isWayStage(row.stage)) ways[row.stage] = Number(row.readers);
    }
    return { totals: total, days: [...byDay.values()], ways };
  }

  async prune(before: Day): Promise<void> {
    await this.db.deleteFrom('funnel_readers').where('day', '<', before).execute();
  }
}

function isStage(value: string): value is FunnelStage {
  return (funnelStages as readonly string[]).includes(value);
}

function isWayStage(value: string): value is WayStage {
  return (wayStages as readonly string[]).includes(value);
}
