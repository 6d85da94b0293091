import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // New anonymous reader ids per network and day. `network` is a keyed hash whose key
  // changes every UTC day, never an address; rows are pruned once `expires_at` passes.
  await db.schema
    .createTable('meter_new_readers')
    .addColumn('network', 'text', (c) => c.primaryKey())
    .addColumn('readers', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('meter_new_readers_expires_at').on('meter_new_readers').column('expires_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('meter_new_readers').execute();
}
