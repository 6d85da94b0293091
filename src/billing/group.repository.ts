import { randomUUID } from 'node:crypto';
import { isDeadlock, type Db, type Dialect } from '../store/database';
import type { Trx } from './subscription-lock';
import { lockAccount } from './account-lock';
import { recomputeEntitlement, recomputeMembers, type EntitlementRules } from './entitlement-recompute';
import { entitlementOfSubscription, type EntitlementGrant } from './subscription-entitlement';

/** The entitlement rules and, for each plan with seats, how many. */
export interface GroupRules extends EntitlementRules {
  readonly seats: ReadonlyMap<string, number>;
}

export interface GroupMember {
  readonly accountId: string;
  readonly email: string;
  readonly joinedAt: string;
}

export interface GroupInvitation {
  readonly id: string;
  readonly email: string;
  readonly invitedAt: string;
  readonly expiresAt: string;
}

export interface GroupOverview {
  /** The seats of the owner's running subscription to a plan with seats; undefined when none runs. */
  readonly seats: number | undefined;
  readonly members: readonly GroupMember[];
  readonly invitations: readonly GroupInvitation[];
}

export type InviteOutcome = 'invited' | 'not-active' | 'full' | 'member' | 'pending';
export type JoinOutcome = 'joined' | 'invalid' | 'wrong-account' | 'unverified' | 'own-group' | 'in-a-group' | 'has-members' | 'not-active' | 'full';

/** Drops a cached entitlement before commit (the meter's store); a failure rolls the change back. */
type BeforeCommit = (accountId: string, grant: EntitlementGrant) => Promise<void>;

/**
 * Group subscriptions' rows. Every change takes the owner's account lock first and then
 * the member's (the webhooks' order), so the seat count, the members a webhook recomputes
 * and each member's entitlement are never read from a state another writer is changing.
 * On SQLite one write transaction runs at a time.
 */
export class GroupRepository {
  constructor(
    private readonly db: Db,
    private readonly dialect: Dialect,
  ) {}

  async overview(ownerId: string, rules: GroupRules, now: Date): Promise<GroupOverview> {
    const [seats, members, invitations] = await Promise.all([
      this.seatsOf(this.db, ownerId, rules, now),
      this.db
        .selectFrom('group_members')
        .leftJoin('accounts', 'accounts.id', 'group_members.member_id')
        .select(['group_members.member_id', 'group_members.email as invited', 'accounts.email', 'group_members.joined_at'])
        .where('owner_id', '=', ownerId)
        .orderBy('joined_at')
        .execute(),
      this.db.selectFrom('group_invitations').selectAll().where('owner_id', '=', ownerId).where('expires_at', '>', now.toISOString()).orderBy('invited_at').execute(),
    ]);
    return {
      seats,
      members: members.map((m) => ({ accountId: m.member_id, email: m.email ?? m.invited, joinedAt: m.joined_at })),
      invitations: invitations.map((i) => ({ id: i.id, email: i.email, invitedAt: i.invited_at, expiresAt: i.expires_at })),
    };
  }

  /** The group an account is a member of (the owner's email, as shown to the member). */
  async membershipOf(accountId: string): Promise<{ ownerEmail: string; joinedAt: string } | undefined> {
    const row = await this.db
      .selectFrom('group_members')
      .innerJoin('accounts', 'accounts.id', 'group_members.owner_id')
      .select(['accounts.email', 'group_members.joined_at'])
      .where('member_id', '=', accountId)
      .executeTakeFirst();
    return row === undefined ? undefined : { ownerEmail: row.email, joinedAt: row.joined_at };
  }

  /**
   * One more invitation, when a seat is free: joined members and pending invitations each
   * take one (the owner none). Counted and written under the owner's lock, so a burst of
   * invitations in parallel gets no more seats than a sequence.
   */
  invite(input: { ownerId: string; email: string; tokenHash: string; now: Date; ttlMs: number }, rules: GroupRules): Promise<InviteOutcome> {
    const { ownerId, email, now } = input;
    return this.db.transaction().execute(async (trx) => {
      await lockAccount(trx, this.dialect, ownerId);
      const seats = await this.seatsOf(trx, ownerId, rules, now);
      if (seats === undefined) return 'not-active';
      // An expired invitation holds no seat, and its address may be invited again.
      await trx.deleteFrom('group_invitations').where('owner_id', '=', ownerId).where('expires_at', '<=', now.toISOString()).execute();
      const members = await trx
        .selectFrom('group_members')
        .leftJoin('accounts', 'accounts.id', 'group_members.member_id')
        .select(['group_members.email as invited', 'accounts.email'])
        .where('owner_id', '=', ownerId)
        .execute();
      if (members.some((m) => m.invited === email || m.email === email)) return 'member';
      const pending = await trx.selectFrom('group_invitations').select('email').where('owner_id', '=', ownerId).execute();
      if (pending.some((p) => p.email === email)) return 'pending';
      if (members.length + pending.length >= seats) return 'full';
      await trx
        .insertInto('group_invitations')
        .values({ id: randomUUID(), owner_id: ownerId, email, token_hash: input.tokenHash, invited_at: now.toISOString(), expires_at: new Date(now.getTime() + input.ttlMs).toISOString() })
        .execute();
      return 'invited';
    });
  }

  /** Withdraws a pending invitation of the owner's own group; false when there is none. */
  async removeInvitation(ownerId: string, invitationId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('group_invitations').where('owner_id', '=', ownerId).where('id', '=', invitationId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** Removes a member of the owner's own group and works out their entitlement again; false when not a member. */
  removeMember(ownerId: string, memberId: string, rules: GroupRules, now: Date, beforeCommit: BeforeCommit): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      await lockAccount(trx, this.dialect, ownerId);
      await lockAccount(trx, this.dialect, memberId);
      const result = await trx.deleteFrom('group_members').where('owner_id', '=', ownerId).where('member_id', '=', memberId).executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) return false;
      const { grant, changed } = await recomputeEntitlement(trx, memberId, rules, now);
      if (changed) await beforeCommit(memberId, grant);
      return true;
    });
  }

  /** The open invitation a token stands for (the confirm page); spends nothing. */
  async peek(tokenHash: string, now: Date): Promise<{ email: string; ownerEmail: string; expiresAt: string } | undefined> {
    const row = await this.db
      .selectFrom('group_invitations')
      .innerJoin('accounts', 'accounts.id', 'group_invitations.owner_id')
      .select(['group_invitations.email', 'accounts.email as owner_email', 'group_invitations.expires_at'])
      .where('token_hash', '=', tokenHash)
      .where('expires_at', '>', now.toISOString())
      .executeTakeFirst();
    return row === undefined ? undefined : { email: row.email, ownerEmail: row.owner_email, expiresAt: row.expires_at };
  }

  /**
   * Spends the invitation and makes the account a member, when the account's verified email
   * is the one invited. A refusal spends nothing (the right reader may still accept it); two
   * accepts of one token race for its delete, and one wins.
   */
  async join(tokenHash: string, accountId: string, rules: GroupRules, now: Date, beforeCommit: BeforeCommit): Promise<JoinOutcome> {
    const open = await this.db.selectFrom('group_invitations').select('owner_id').where('token_hash', '=', tokenHash).executeTakeFirst();
    if (open === undefined) return 'invalid';
    const ownerId = open.owner_id;
    // Two owners accepting each other's invitations at once lock each other's accounts in
    // opposite orders (each is the other's owner): PostgreSQL ends one transaction, which then
    // runs again after the other and finds the account it joins has a member now.
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.joinOnce(tokenHash, accountId, ownerId, rules, now, beforeCommit);
      } catch (error) {
        if (!isDeadlock(error) || attempt >= 3) throw error;
      }
    }
  }

  private joinOnce(tokenHash: string, accountId: string, ownerId: string, rules: GroupRules, now: Date, beforeCommit: BeforeCommit): Promise<JoinOutcome> {
    return this.db.transaction().execute(async (trx) => {
      await lockAccount(trx, this.dialect, ownerId);
      await lockAccount(trx, this.dialect, accountId);
      const invitation = await trx.selectFrom('group_invitations').select(['id', 'email']).where('token_hash', '=', tokenHash).where('expires_at', '>', now.toISOString()).executeTakeFirst();
      if (invitation === undefined) return 'invalid';
      const account = await trx.selectFrom('accounts').select(['email', 'email_verified_at']).where('id', '=', accountId).executeTakeFirst();
      if (account === undefined || account.email !== invitation.email) return 'wrong-account';
      if (account.email_verified_at === null) return 'unverified';
      if (ownerId === accountId) return 'own-group';
      if ((await trx.selectFrom('group_members').select('owner_id').where('member_id', '=', accountId).executeTakeFirst()) !== undefined) return 'in-a-group';
      // An account with members of its own joins no group: so no chain of groups ever leads
      // back to itself.
      if ((await trx.selectFrom('group_members').select('member_id').where('owner_id', '=', accountId).executeTakeFirst()) !== undefined) return 'has-members';
      const seats = await this.seatsOf(trx, ownerId, rules, now);
      if (seats === undefined) return 'not-active';
      // The invitation held a seat; a downgrade to fewer seats since may have taken it.
      const joined = await trx.selectFrom('group_members').select((eb) => eb.fn.countAll<number>().as('n')).where('owner_id', '=', ownerId).executeTakeFirstOrThrow();
      if (Number(joined.n) >= seats) return 'full';
      const spent = await trx.deleteFrom('group_invitations').where('id', '=', invitation.id).executeTakeFirst();
      if (Number(spent.numDeletedRows) === 0) return 'invalid';
      await trx.insertInto('group_members').values({ member_id: accountId, owner_id: ownerId, email: invitation.email, joined_at: now.toISOString() }).execute();
      const { grant, changed } = await recomputeEntitlement(trx, accountId, rules, now);
      if (changed) await beforeCommit(accountId, grant);
      return 'joined';
    });
  }

  /**
   * Before an account is deleted: as an owner, its group ends (invitations withdrawn, each
   * member's entitlement worked out without it); as a member, it leaves its group. Returns
   * the members whose entitlement changed.
   */
  accountClosing(accountId: string, rules: GroupRules, now: Date, beforeCommit: BeforeCommit): Promise<string[]> {
    return this.db.transaction().execute(async (trx) => {
      const membership = await trx.selectFrom('group_members').select('owner_id').where('member_id', '=', accountId).executeTakeFirst();
      // Owner before member, as everywhere.
      if (membership !== undefined) await lockAccount(trx, this.dialect, membership.owner_id);
      await lockAccount(trx, this.dialect, accountId);
      await trx.deleteFrom('group_members').where('member_id', '=', accountId).execute();
      await trx.deleteFrom('group_invitations').where('owner_id', '=', accountId).execute();
      const members = await trx.selectFrom('group_members').select('member_id').where('owner_id', '=', accountId).orderBy('member_id').execute();
      await trx.deleteFrom('group_members').where('owner_id', '=', accountId).execute();
      return recomputeMembers(trx, (id) => lockAccount(trx, this.dialect, id), members.map((m) => m.member_id), rules, now, beforeCommit);
    });
  }

  /** The seats of the owner's running subscriptions to plans with seats (the largest); undefined when none runs. */
  private async seatsOf(db: Db | Trx, ownerId: string, rules: GroupRules, now: Date): Promise<number | undefined> {
    const rows = await db.selectFrom('subscriptions').select(['status', 'status_since', 'price_id']).where('account_id', '=', ownerId).execute();
    const seats = rows
      .filter((r) => r.price_id !== null && rules.seated.has(r.price_id) && entitlementOfSubscription({ status: r.status, statusSince: r.status_since }, now, rules.graceDays).entitlement === 'subscriber')
      .map((r) => rules.seats.get(r.price_id!) ?? 0);
    return seats.length === 0 ? undefined : Math.max(...seats);
  }
}
