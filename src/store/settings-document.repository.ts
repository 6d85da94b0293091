import type { Clock } from '../config/clock';
import type { Db } from './database';

/**
 * One publisher settings document of the settings table (the presentation, the institutions),
 * with a version that grows on every write: a writer that lost the race is told, not merged.
 */
export class SettingsDocumentRepository {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly name: string,
  ) {}

  async get(): Promise<{ value: unknown; version: number } | undefined> {
    const row = await this.db.selectFrom('settings').select(['value', 'version']).where('name', '=', this.name).executeTakeFirst();
    return row && { value: JSON.parse(row.value) as unknown, version: Number(row.version) };
  }

  /** Replaces the document and answers its new version; undefined when another writer replaced it first (the version guard). */
  async put(value: unknown): Promise<number | undefined> {
    const { name } = this;
    const updatedAt = new Date(this.clock()).toISOString();
    return this.db.transaction().execute(async (trx) => {
      const current = await trx.selectFrom('settings').select('version').where('name', '=', name).executeTakeFirst();
      const version = Number(current?.version ?? 0) + 1;
      const row = { value: JSON.stringify(value), version, updated_at: updatedAt };
      if (current === undefined) {
        // Two first writers at once: the primary key refuses the second.
        const inserted = await trx.insertInto('settings').values({ name, ...row }).onConflict((oc) => oc.column('name').doNothing()).executeTakeFirst();
        return Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1 ? version : undefined;
      }
      const result = await trx.updateTable('settings').set(row).where('name', '=', name).where('version', '=', version - 1).executeTakeFirst();
      return result.numUpdatedRows === 1n ? version : undefined;
    });
  }
}
