import type { Clock } from '../config/clock';
import type { Db } from '../store/database';

export interface StoredSetting {
  readonly value: unknown;
  readonly version: number;
}

/** Publisher settings documents, each with a version that grows on every write. */
export class SettingsRepository {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  async get(name: string): Promise<StoredSetting | undefined> {
    const row = await this.db.selectFrom('settings').select(['value', 'version']).where('name', '=', name).executeTakeFirst();
    return row && { value: JSON.parse(row.value) as unknown, version: Number(row.version) };
  }

  /**
   * Replaces the document and returns its new version. `beforeCommit` runs inside the
   * transaction: when it fails, nothing is stored.
   */
  async put(name: string, value: unknown, beforeCommit: (version: number) => Promise<void> = async () => undefined): Promise<number> {
    const updatedAt = new Date(this.clock()).toISOString();
    return this.db.transaction().execute(async (trx) => {
      const current = await trx.selectFrom('settings').select('version').where('name', '=', name).executeTakeFirst();
      const version = Number(current?.version ?? 0) + 1;
      const row = { value: JSON.stringify(value), version, updated_at: updatedAt };
      if (current === undefined) {
        await trx.insertInto('settings').values({ name, ...row }).execute();
      } else {
        // The version guard makes two concurrent writers fail rather than both win.
        const result = await trx.updateTable('settings').set(row).where('name', '=', name).where('version', '=', version - 1).executeTakeFirst();
        if (result.numUpdatedRows === 0n) throw new Error(`settings "${name}" changed concurrently`);
      }
      await beforeCommit(version);
      return version;
    });
  }
}
