import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Distinct readers per day and stage; `reader` is a keyed hash, never an account id.
  await db.schema
    .createTable('funnel_readers')
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('stage', 'text', (c) => c.notNull())
    .addColumn('reader', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('funnel_readers_pk', ['day', 'stage', 'reader'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('funnel_readers').execute();
}
