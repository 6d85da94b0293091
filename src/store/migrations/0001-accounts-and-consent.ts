import { PostgresAdapter, sql, type ColumnDefinitionBuilder, type Kysely } from 'kysely';

/** An auto-numbered primary key in each dialect's own idiom. */
function serialKey(db: Kysely<unknown>) {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  return (c: ColumnDefinitionBuilder) => (postgres ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement());
}

export async function up(db: Kysely<unknown>): Promise<void> {
  const serial = serialKey(db);
  await db.schema
    .createTable('accounts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('is_admin', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('policies')
    .addColumn('id', 'integer', serial)
    .addColumn('document', 'text', (c) => c.notNull().check(sql`document in ('terms', 'privacy')`))
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('effective_at', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('policies_document_version', ['document', 'version'])
    .execute();
  await db.schema
    .createIndex('policies_document_effective')
    .on('policies')
    .columns(['document', 'effective_at'])
    .execute();

  // No foreign key to accounts: consent records are proof that must outlive the account.
  await db.schema
    .createTable('consents')
    .addColumn('id', 'integer', serial)
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('document', 'text', (c) => c.notNull().check(sql`document in ('terms', 'privacy')`))
    .addColumn('policy_version', 'text', (c) => c.notNull())
    .addColumn('wording', 'text', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull().check(sql`method in ('signup', 'reaccept')`))
    .addColumn('accepted_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('consents_account').on('consents').column('account_id').execute();
  await db.schema.createIndex('consents_accepted_at').on('consents').column('accepted_at').execute();

  await db.schema
    .createTable('sessions')
    .addColumn('sid', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text')
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sessions_expires_at').on('sessions').column('expires_at').execute();
  await db.schema.createIndex('sessions_account').on('sessions').column('account_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['sessions', 'consents', 'policies', 'accounts']) {
    await db.schema.dropTable(table).execute();
  }
}
