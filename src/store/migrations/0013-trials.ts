import { sql, type Kysely } from 'kysely';

/**
 * One trial per reader (SPEC section 13): each subscription remembers whether Stripe ever
 * showed it in a trial, so that its account is offered no second one. Sticky: set once, never
 * cleared by a later state. Subscriptions stored before this knew only their status, so those
 * trialing now are marked; an earlier trial that has ended was not recorded and cannot be told.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('subscriptions').addColumn('had_trial', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await sql`update subscriptions set had_trial = 1 where status = 'trialing'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('subscriptions').dropColumn('had_trial').execute();
}
