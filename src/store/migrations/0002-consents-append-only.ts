import { PostgresAdapter, sql, type Kysely } from 'kysely';

/** Consent records are evidence: the database itself refuses to change or remove one. */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`
      create function consents_append_only() returns trigger language plpgsql as $$
      begin
        raise exception 'consent records are append-only';
      end $$`.execute(db);
    await sql`
      create trigger consents_append_only before update or delete on consents
      for each row execute function consents_append_only()`.execute(db);
    return;
  }
  for (const operation of ['update', 'delete']) {
    await sql`
      create trigger ${sql.raw(`consents_no_${operation}`)} before ${sql.raw(operation)} on consents
      begin select raise(abort, 'consent records are append-only'); end`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`drop trigger consents_append_only on consents`.execute(db);
    await sql`drop function consents_append_only()`.execute(db);
    return;
  }
  await sql`drop trigger consents_no_update`.execute(db);
  await sql`drop trigger consents_no_delete`.execute(db);
}
