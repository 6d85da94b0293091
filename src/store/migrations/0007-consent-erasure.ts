import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * Consent records stay append-only with one exception, for account deletion: the account
 * id may be replaced, once, by "erased:" and a one-way hash of it; nothing else may change.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`
      create or replace function consents_append_only() returns trigger language plpgsql as $$
      begin
        if tg_op = 'UPDATE'
          and old.account_id not like 'erased:%' and new.account_id like 'erased:%'
          and new.id = old.id and new.document = old.document and new.policy_version = old.policy_version
          and new.wording = old.wording and new.method = old.method and new.accepted_at = old.accepted_at then
          return new;
        end if;
        raise exception 'consent records are append-only';
      end $$`.execute(db);
    return;
  }
  await sql`drop trigger consents_no_update`.execute(db);
  await sql`
    create trigger consents_no_update before update on consents
    when not (old.account_id not like 'erased:%' and new.account_id like 'erased:%'
      and new.id = old.id and new.document = old.document and new.policy_version = old.policy_version
      and new.wording = old.wording and new.method = old.method and new.accepted_at = old.accepted_at)
    begin select raise(abort, 'consent records are append-only'); end`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`
      create or replace function consents_append_only() returns trigger language plpgsql as $$
      begin raise exception 'consent records are append-only'; end $$`.execute(db);
    return;
  }
  await sql`drop trigger consents_no_update`.execute(db);
  await sql`create trigger consents_no_update before update on consents begin select raise(abort, 'consent records are append-only'); end`.execute(db);
}
