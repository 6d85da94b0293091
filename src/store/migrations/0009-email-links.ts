import { PostgresAdapter, sql, type Kysely, type RawBuilder } from 'kysely';

const methods = sql`method in ('signup', 'signup-email', 'signup-oidc', 'reaccept')`;
const oldMethods = sql`method in ('signup', 'reaccept')`;

/**
 * Emailed sign-in, sign-up and verification links, and when each account's email was
 * proven. Consent records gain the ways of signing up that SPEC section 6 names.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('accounts').addColumn('email_verified_at', 'text').execute();

  // Only hashes of the token and of its code are kept: a copy of the database opens nothing.
  // A sign-up link has no account yet; every other link goes with its account when deleted.
  await db.schema
    .createTable('email_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('purpose', 'text', (c) => c.notNull().check(sql`purpose in ('signin', 'signup', 'verify', 'change')`))
    .addColumn('account_id', 'text', (c) => c.references('accounts.id').onDelete('cascade'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('return_to', 'text', (c) => c.notNull().defaultTo('/'))
    .addColumn('code_hash', 'text')
    .addColumn('code_tries', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('email_tokens_account').on('email_tokens').column('account_id').execute();
  await db.schema.createIndex('email_tokens_email').on('email_tokens').columns(['email', 'created_at']).execute();

  await replaceMethodCheck(db, methods);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await replaceMethodCheck(db, oldMethods);
  await db.schema.dropTable('email_tokens').execute();
  await db.schema.alterTable('accounts').dropColumn('email_verified_at').execute();
}

async function replaceMethodCheck(db: Kysely<unknown>, check: RawBuilder<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`alter table consents drop constraint consents_method_check`.execute(db);
    await sql`alter table consents add constraint consents_method_check check (${check})`.execute(db);
    return;
  }
  // SQLite cannot alter a check: the table is rebuilt, with its indexes and its
  // append-only triggers (0002, 0007) as they were.
  await sql`drop trigger consents_no_update`.execute(db);
  await sql`drop trigger consents_no_delete`.execute(db);
  await sql`
    create table consents_rebuilt (
      id integer primary key autoincrement,
      account_id text not null,
      document text not null check (document in ('terms', 'privacy')),
      policy_version text not null,
      wording text not null,
      method text not null check (${check}),
      accepted_at text not null
    )`.execute(db);
  await sql`insert into consents_rebuilt (id, account_id, document, policy_version, wording, method, accepted_at)
    select id, account_id, document, policy_version, wording, method, accepted_at from consents`.execute(db);
  await sql`drop table consents`.execute(db);
  await sql`alter table consents_rebuilt rename to consents`.execute(db);
  await db.schema.createIndex('consents_account').on('consents').column('account_id').execute();
  await db.schema.createIndex('consents_accepted_at').on('consents').column('accepted_at').execute();
  await sql`
    create trigger consents_no_update before update on consents
    when not (old.account_id not like 'erased:%' and new.account_id like 'erased:%'
      and new.id = old.id and new.document = old.document and new.policy_version = old.policy_version
      and new.wording = old.wording and new.method = old.method and new.accepted_at = old.accepted_at)
    begin select raise(abort, 'consent records are append-only'); end`.execute(db);
  await sql`create trigger consents_no_delete before delete on consents begin select raise(abort, 'consent records are append-only'); end`.execute(db);
}
