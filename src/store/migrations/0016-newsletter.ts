import { PostgresAdapter, sql, type Kysely, type RawBuilder } from 'kysely';

const documents = sql`document in ('terms', 'privacy', 'newsletter')`;
const oldDocuments = sql`document in ('terms', 'privacy')`;
const methods = sql`method in ('signup', 'signup-email', 'signup-oidc', 'reaccept', 'optin', 'withdraw')`;
const oldMethods = sql`method in ('signup', 'signup-email', 'signup-oidc', 'reaccept')`;

/**
 * The newsletter (SPEC section 13) is a consent like the documents of section 7: records of
 * document `newsletter`, given at sign-up, later (`optin`) or taken back (`withdraw`), appended,
 * never changed. An emailed sign-up link remembers whether the box was ticked where it was
 * asked for, for the code that creates the account on that same page.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('email_tokens').addColumn('newsletter', 'integer').execute();
  await replaceChecks(db, documents, methods);
}

/** Fails while newsletter records exist: they are evidence, and the old checks refuse them. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await replaceChecks(db, oldDocuments, oldMethods);
  await db.schema.alterTable('email_tokens').dropColumn('newsletter').execute();
}

async function replaceChecks(db: Kysely<unknown>, document: RawBuilder<unknown>, method: RawBuilder<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`alter table consents drop constraint consents_document_check`.execute(db);
    await sql`alter table consents add constraint consents_document_check check (${document})`.execute(db);
    await sql`alter table consents drop constraint consents_method_check`.execute(db);
    await sql`alter table consents add constraint consents_method_check check (${method})`.execute(db);
    return;
  }
  // SQLite cannot alter a check: the table is rebuilt, with its indexes and its
  // append-only triggers (0002, 0007) exactly as they were (as 0009 does).
  await sql`drop trigger consents_no_update`.execute(db);
  await sql`drop trigger consents_no_delete`.execute(db);
  await sql`
    create table consents_rebuilt (
      id integer primary key autoincrement,
      account_id text not null,
      document text not null check (${document}),
      policy_version text not null,
      wording text not null,
      method text not null check (${method}),
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
