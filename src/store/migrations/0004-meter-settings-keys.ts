import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Publisher settings as validated JSON documents; `version` grows on every change so that
  // every instance can tell, cheaply, that its cached copy is stale.
  await db.schema
    .createTable('settings')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  // The SQL meter store: one row per distinct article a reader opened in the window.
  await db.schema
    .createTable('meter_reads')
    .addColumn('reader_key', 'text', (c) => c.notNull())
    .addColumn('article_id', 'text', (c) => c.notNull())
    .addColumn('read_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('meter_reads_pk', ['reader_key', 'article_id'])
    .execute();
  await db.schema.createIndex('meter_reads_read_at').on('meter_reads').column('read_at').execute();

  // What a reader is entitled to; billing (Stripe) writes it, the gate reads it.
  await db.schema
    .createTable('entitlements')
    .addColumn('account_id', 'text', (c) => c.primaryKey())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('valid_until', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['api_keys', 'entitlements', 'meter_reads', 'settings']) {
    await db.schema.dropTable(table).execute();
  }
}
