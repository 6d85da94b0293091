import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Logger } from 'pino';
import type { Clock } from '../config/clock';
import type { Mailer } from '../mail/mailer';
import type { Messages, MessageKey } from '../http/i18n';
import { AppError } from '../http/app-error';
import type { Plan } from './plans';
import type { AccountLookup, EntitlementCache } from './ports';
import type { GroupOverview, GroupRepository, GroupRules, JoinOutcome } from './group.repository';

/** An invitation's link lasts this long (SPEC section 13 leaves it to us: two weeks, as a gift link). */
export const invitationTtlMs = 14 * 24 * 60 * 60 * 1000;

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');
const printableAscii = /^[\x20-\x7e]*$/;

export interface GroupServiceDeps {
  readonly repository: GroupRepository;
  readonly plans: { list(): Promise<Plan[]> };
  readonly accounts: AccountLookup;
  readonly entitlementCache: EntitlementCache;
  readonly mailer: Mailer;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly graceDays: number;
  readonly publicUrl: URL;
  readonly siteName: string;
  readonly messages: Messages;
}

/** What the account page shows of groups: the reader's own group (as owner) and the one they are in. */
export interface GroupPageData {
  readonly owned: (GroupOverview & { readonly free: number }) | undefined;
  readonly memberOf: { readonly ownerEmail: string; readonly joinedAt: string } | undefined;
}

const joinRefusals: Record<Exclude<JoinOutcome, 'joined'>, { status: number; key: MessageKey }> = {
  invalid: { status: 400, key: 'group.linkInvalid' },
  'wrong-account': { status: 403, key: 'group.wrongAccount' },
  unverified: { status: 403, key: 'group.verifyFirst' },
  'own-group': { status: 400, key: 'group.ownGroup' },
  'in-a-group': { status: 409, key: 'group.inAGroup' },
  'has-members': { status: 409, key: 'group.hasMembers' },
  'not-active': { status: 409, key: 'group.notActive' },
  full: { status: 409, key: 'group.seatsFull' },
};

/**
 * Group subscriptions (SPEC section 13): a plan with seats lets its buyer invite readers by
 * mail; while the buyer's subscription entitles them, each member reads as a subscriber.
 * Every change of a member's entitlement drops their cached one before the commit and once
 * more after it, as the webhooks do, so every session sees it on its next request.
 */
export class GroupService {
  private readonly email;

  constructor(private readonly deps: GroupServiceDeps) {
    const t = (key: MessageKey) => deps.messages.t(key);
    this.email = z.string().trim().regex(printableAscii, t('email.invalid')).toLowerCase().min(1, t('email.required')).max(254, t('email.tooLong')).pipe(z.email({ error: t('email.invalid') }));
  }

  private async rules(): Promise<GroupRules> {
    const plans = await this.deps.plans.list();
    const withSeats = plans.filter((p) => p.seats !== undefined);
    return {
      graceDays: this.deps.graceDays,
      offered: new Set(plans.map((p) => p.priceId)),
      seated: new Set(withSeats.map((p) => p.priceId)),
      seats: new Map(withSeats.map((p) => [p.priceId, p.seats!])),
    };
  }

  private now(): Date {
    return new Date(this.deps.clock());
  }

  private readonly dropBeforeCommit = (accountId: string) => this.deps.entitlementCache.forgetEntitlement(accountId);

  /** After the commit: a view racing it may have cached the old value again. */
  private async dropAfterCommit(accountIds: readonly string[]): Promise<void> {
    for (const accountId of accountIds) {
      await this.deps.entitlementCache.forgetEntitlement(accountId).catch((error: unknown) => this.deps.logger.warn({ err: error, accountId }, 'could not drop the cached entitlement'));
    }
  }

  async pageData(accountId: string): Promise<GroupPageData> {
    const [overview, memberOf] = await Promise.all([this.deps.repository.overview(accountId, await this.rules(), this.now()), this.deps.repository.membershipOf(accountId)]);
    // An owner whose group lapsed still sees (and may remove) its members; one who never had one sees nothing.
    const shown = overview.seats !== undefined || overview.members.length > 0 || overview.invitations.length > 0;
    const free = Math.max(0, (overview.seats ?? 0) - overview.members.length - overview.invitations.length);
    return { owned: shown ? { ...overview, free } : undefined, memberOf };
  }

  /** The reader's data export: the group they own and the one they are in. */
  async exportData(accountId: string): Promise<unknown> {
    const { owned, memberOf } = await this.pageData(accountId);
    return {
      owned: owned === undefined ? null : { seats: owned.seats ?? null, members: owned.members.map((m) => ({ email: m.email, joinedAt: m.joinedAt })), invitations: owned.invitations.map((i) => ({ email: i.email, invitedAt: i.invitedAt })) },
      memberOf: memberOf ?? null,
    };
  }

  /** Invites an email to the owner's group and mails the link; refusals are AppErrors the reader reads. */
  async invite(ownerId: string, rawEmail: unknown): Promise<string> {
    const { messages } = this.deps;
    const parsed = this.email.safeParse(typeof rawEmail === 'string' ? rawEmail : '');
    if (!parsed.success) throw new AppError(400, parsed.error.issues[0]?.message ?? messages.t('email.invalid'));
    const email = parsed.data;
    const owner = await this.deps.accounts.findById(ownerId);
    if (owner === undefined) throw new AppError(401, messages.t('group.signIn'));
    if (owner.email === email) throw new AppError(400, messages.t('group.notYourself'));
    const token = randomBytes(32).toString('base64url');
    const rules = await this.rules();
    const outcome = await this.deps.repository.invite({ ownerId, email, tokenHash: hashOf(token), now: this.now(), ttlMs: invitationTtlMs }, rules);
    if (outcome === 'not-active') throw new AppError(409, messages.t('group.notActive'));
    if (outcome === 'member') throw new AppError(409, messages.t('group.alreadyMember', { email }));
    if (outcome === 'pending') throw new AppError(409, messages.t('group.alreadyInvited', { email }));
    if (outcome === 'full') throw new AppError(409, messages.t('group.seatsFull'));
    const link = new URL(`/groups/join/${token}`, this.deps.publicUrl).href;
    const words = { site: this.deps.siteName, owner: owner.email, link, days: invitationTtlMs / (24 * 60 * 60 * 1000) };
    this.deps.mailer
      .send({ to: email, subject: messages.t('group.mailSubject', words), text: messages.t('group.mailText', words) })
      .catch((error: unknown) => this.deps.logger.error({ err: error }, 'could not send the group invitation mail'));
    return email;
  }

  async removeInvitation(ownerId: string, invitationId: string): Promise<void> {
    if (!(await this.deps.repository.removeInvitation(ownerId, invitationId))) throw new AppError(404, this.deps.messages.t('group.nothingToRemove'));
  }

  async removeMember(ownerId: string, memberId: string): Promise<void> {
    const removed = await this.deps.repository.removeMember(ownerId, memberId, await this.rules(), this.now(), this.dropBeforeCommit);
    if (!removed) throw new AppError(404, this.deps.messages.t('group.nothingToRemove'));
    await this.dropAfterCommit([memberId]);
  }

  /**
   * The open invitation behind a link, for its confirm page, and whether the signed-in
   * account (if any) is the one invited and verified; undefined when spent, expired or unknown.
   */
  async invitationFor(token: string, accountId: string | undefined) {
    const invitation = await this.deps.repository.peek(hashOf(token), this.now());
    if (invitation === undefined) return undefined;
    const account = accountId === undefined ? undefined : await this.deps.accounts.findById(accountId);
    return { invitation, matches: account?.email === invitation.email, verified: account?.emailVerifiedAt !== undefined };
  }

  /** Accepts an invitation for the signed-in account; a refusal is an AppError and spends nothing. */
  async join(token: string, accountId: string): Promise<void> {
    const outcome = await this.deps.repository.join(hashOf(token), accountId, await this.rules(), this.now(), this.dropBeforeCommit);
    if (outcome !== 'joined') {
      const refusal = joinRefusals[outcome];
      throw new AppError(refusal.status, this.deps.messages.t(refusal.key));
    }
    await this.dropAfterCommit([accountId]);
  }

  /** Before an account is deleted (billing's closeCustomer): its group ends, or it leaves the one it is in. */
  async accountClosing(accountId: string): Promise<void> {
    const changed = await this.deps.repository.accountClosing(accountId, await this.rules(), this.now(), this.dropBeforeCommit);
    await this.dropAfterCommit(changed);
  }
}
