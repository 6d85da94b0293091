import type { Kysely } from 'kysely';

/**
 * Institutional access (SPEC section 13). The institutions themselves are a settings
 * document (`settings.name = 'institutions'`, versioned like the meter's); this table holds
 * their monthly readers in embedded mode, one row per (month, institution, reader), so a
 * repeated reader adds nothing. With Redis they are HyperLogLogs instead.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('institution_readers')
    .addColumn('month', 'text', (c) => c.notNull())
    .addColumn('institution_id', 'text', (c) => c.notNull())
    .addColumn('reader', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('institution_readers_pk', ['month', 'institution_id', 'reader'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('institution_readers').execute();
}
