import type { Db } from '../store/database';
import type { InstitutionReadersBatch, InstitutionReadersStore, Month } from './institution-readers';

const rowsPerInsert = 500;

/** Exact figures: one row per (month, institution, reader), so a repeated reader adds nothing. */
export class SqlInstitutionReadersStore implements InstitutionReadersStore {
  readonly approximate = false;

  constructor(private readonly db: Db) {}

  async add(batch: InstitutionReadersBatch): Promise<void> {
    const rows = [...batch.values()].flatMap(({ month, institutionId, readers }) => [...readers].map((reader) => ({ month, institution_id: institutionId, reader })));
    for (let i = 0; i < rows.length; i += rowsPerInsert) {
      await this.db
        .insertInto('institution_readers')
        .values(rows.slice(i, i + rowsPerInsert))
        .onConflict((oc) => oc.columns(['month', 'institution_id', 'reader']).doNothing())
        .execute();
    }
  }

  async counts(month: Month, institutionIds: readonly string[]): Promise<ReadonlyMap<string, number>> {
    if (institutionIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('institution_readers')
      .select(['institution_id', (eb) => eb.fn.countAll<number | string>().as('readers')])
      .where('month', '=', month)
      .groupBy('institution_id')
      .execute();
    return new Map(rows.map((row) => [row.institution_id, Number(row.readers)]));
  }

  async prune(before: Month): Promise<void> {
    await this.db.deleteFrom('institution_readers').where('month', '<', before).execute();
  }
}
