import type { Kysely } from 'kysely';

/**
 * Gift links (SPEC section 13). A link is kept only as the hash of its token, bound to one
 * article (its identity: the Markdown slug or the origin article's path), with the reader
 * bound it was given and a count of readers that the reader rows feed: `readers` is raised
 * in the same transaction as a new (link, reader) row, and only while it is below the bound,
 * so k remaining slots admit exactly k readers whatever the burst. Readers are keyed hashes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('gift_links')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('giver_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('article', 'text', (c) => c.notNull())
    .addColumn('article_path', 'text', (c) => c.notNull())
    .addColumn('article_title', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .addColumn('reader_limit', 'integer', (c) => c.notNull())
    .addColumn('readers', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('gift_links_giver_created').on('gift_links').columns(['giver_id', 'created_at']).execute();
  await db.schema
    .createTable('gift_readers')
    .addColumn('link_id', 'text', (c) => c.notNull().references('gift_links.id').onDelete('cascade'))
    .addColumn('reader', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('gift_readers_pk', ['link_id', 'reader'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('gift_readers').execute();
  await db.schema.dropTable('gift_links').execute();
}
