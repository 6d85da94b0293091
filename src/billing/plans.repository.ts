import type { Clock } from '../config/clock';
import type { Db } from '../store/database';

/** The settings document that holds the plans. */
const plansDocument = 'plans';

/** The publisher's plans, stored as one versioned settings document. */
export class PlansRepository {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** The stored document, unparsed (PlansService validates it); undefined before the first save. */
  async get(): Promise<unknown> {
    const row = await this.db.selectFrom('settings').select('value').where('name', '=', plansDocument).executeTakeFirst();
    return row === undefined ? undefined : (JSON.parse(row.value) as unknown);
  }

  async put(value: unknown): Promise<void> {
    const now = new Date(this.clock()).toISOString();
    await this.db.transaction().execute(async (trx) => {
      const current = await trx.selectFrom('settings').select('version').where('name', '=', plansDocument).executeTakeFirst();
      const version = Number(current?.version ?? 0) + 1;
      const row = { value: JSON.stringify(value), version, updated_at: now };
      if (current === undefined) {
        await trx.insertInto('settings').values({ name: plansDocument, ...row }).execute();
        return;
      }
      // The version guard makes two concurrent writers fail rather than both win.
      const result = await trx.updateTable('settings').set(row).where('name', '=', plansDocument).where('version', '=', version - 1).executeTakeFirst();
      if (result.numUpdatedRows === 0n) throw new Error(`settings "${plansDocument}" changed concurrently`);
    });
  }
}
