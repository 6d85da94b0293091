import type { Kysely } from 'kysely';

/**
 * Group subscriptions (SPEC section 13). A group is its owner's account and the owner's
 * subscription to a plan with seats; these tables hold who joined and who is invited.
 * `group_members.member_id` is the key: an account is in one group at most, so a race of
 * two joins cannot put it in two. Invitations keep only their token's hash; one per
 * (owner, email), so the same address cannot take two seats.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('group_members')
    .addColumn('member_id', 'text', (c) => c.primaryKey())
    .addColumn('owner_id', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('joined_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('group_members_owner').on('group_members').column('owner_id').execute();

  await db.schema
    .createTable('group_invitations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('owner_id', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('invited_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('group_invitations_owner_email', ['owner_id', 'email'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('group_invitations').execute();
  await db.schema.dropTable('group_members').execute();
}
