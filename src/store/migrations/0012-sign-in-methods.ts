import type { Kysely } from 'kysely';

/**
 * Ways in beside the password and the emailed link (SPEC section 6): identities at OpenID
 * Providers, and passkeys. Both go with their account when it is deleted.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // One account per (provider, subject): the subject is the provider's stable id of the person,
  // never the email, which can change or be reused.
  await db.schema
    .createTable('identities')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('linked_at', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .execute();
  await db.schema.createIndex('identities_provider_subject').unique().on('identities').columns(['provider', 'subject']).execute();
  await db.schema.createIndex('identities_account').on('identities').column('account_id').execute();

  // A WebAuthn credential: its id (base64url) and COSE public key; the signature counter
  // catches a cloned authenticator that reports one.
  await db.schema
    .createTable('passkeys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('counter', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('transports', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .execute();
  await db.schema.createIndex('passkeys_account').on('passkeys').column('account_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('passkeys').execute();
  await db.schema.dropTable('identities').execute();
}
