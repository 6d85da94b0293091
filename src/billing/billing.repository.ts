import type { Clock } from '../config/clock';
import { isUniqueViolation, type Db, type Dialect } from '../store/database';
import { sql, type RawBuilder } from 'kysely';
import type { Transact, Trx } from './subscription-lock';
import type { EntitlementGrant } from './subscription-entitlement';
import { accountLockClass, lockAccount } from './account-lock';
import { recomputeEntitlement, recomputeEntitlementFrom, recomputeMembers as recomputeMembersOf, type EntitlementInputs } from './entitlement-recompute';
import { heldAccountFor, holdAccount, type HeldAccount, type HoldRequest } from './held-account';
import { eventRow, recordUpsertAndRead, upsertSubscription } from './subscription-upsert';
import type { TrialClaims } from './trial-claims';

export interface SubscriptionRecord {
  readonly id: string;
  readonly accountId: string;
  readonly customerId: string;
  readonly status: string;
  readonly statusSince: string;
  readonly priceId: string | null;
  readonly currentPeriodEnd: string | null;
  readonly cancelAtPeriodEnd: boolean;
}

/** Stripe's view of a subscription, as read from the API just now. */
export interface SubscriptionSnapshot {
  readonly id: string;
  readonly customerId: string;
  readonly status: string;
  readonly priceId: string | null;
  readonly currentPeriodEnd: string | null;
  readonly cancelAtPeriodEnd: boolean;
  /** Whether it is or was in a trial (trialing, or a trial start or end): its reader is offered no other. */
  readonly hadTrial: boolean;
}

export interface ApplyInput {
  readonly snapshot: SubscriptionSnapshot;
  /** The account the event names (Checkout's reference, the subscription's metadata). */
  readonly accountHint: string | undefined;
  readonly event: { id: string; type: string } | undefined;
  readonly graceDays: number;
  /** The price ids of the configured plans: only these entitle. */
  readonly offered: ReadonlySet<string>;
  /** The price ids of the plans with seats: only these entitle a group's members. */
  readonly seated?: ReadonlySet<string>;
  /** Each seated plan's seats. */
  readonly seats?: ReadonlyMap<string, number>;
  /** What was read as the subscription's lock was taken (the account, when it was found and locked then). */
  readonly held?: HeldAccount;
}

export type ApplyOutcome = 'applied' | 'duplicate' | 'unknown-customer' | 'account-gone';
export interface ApplyResult {
  readonly outcome: ApplyOutcome;
  readonly accountId: string | undefined;
  /** Whether the stored entitlement changed (and so the cached one was dropped before commit). */
  readonly entitlementChanged: boolean;
  /** The owner's group members whose entitlement changed with it (their cached ones dropped before commit too). */
  readonly membersChanged?: readonly string[];
  /** The subscription came trialing while its reader's trial was taken by another: `endTrial` ended it. */
  readonly trialEnded?: boolean;
}

/** Ends a subscription's trial at Stripe, inside the apply's transaction (a failure undoes the apply). */
export type EndTrial = (subscriptionId: string) => Promise<void>;

export class BillingRepository {
  private readonly db: Db;
  private readonly dialect: Dialect;
  private readonly clock: Clock;
  private readonly trials: TrialClaims;

  constructor(deps: { db: Db; dialect: Dialect; clock: Clock; trials: TrialClaims }) {
    this.db = deps.db;
    this.dialect = deps.dialect;
    this.clock = deps.clock;
    this.trials = deps.trials;
  }

  async customerOf(accountId: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('billing_customers').select('customer_id').where('account_id', '=', accountId).executeTakeFirst();
    return row?.customer_id;
  }

  async accountOfCustomer(customerId: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('billing_customers').select('account_id').where('customer_id', '=', customerId).executeTakeFirst();
    return row?.account_id;
  }

  /** Stores the account's customer unless one is stored already; returns the one that is. */
  async keepCustomer(accountId: string, customerId: string): Promise<string> {
    try {
      await this.db.insertInto('billing_customers').values({ account_id: accountId, customer_id: customerId, created_at: new Date(this.clock()).toISOString() }).execute();
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
    return (await this.customerOf(accountId))!;
  }

  async subscriptionsOf(accountId: string): Promise<SubscriptionRecord[]> {
    const rows = await this.db.selectFrom('subscriptions').selectAll().where('account_id', '=', accountId).orderBy('updated_at', 'desc').execute();
    return rows.map((r) => ({
      id: r.id,
      accountId: r.account_id,
      customerId: r.customer_id,
      status: r.status,
      statusSince: r.status_since,
      priceId: r.price_id,
      currentPeriodEnd: r.current_period_end,
      cancelAtPeriodEnd: r.cancel_at_period_end === 1,
    }));
  }

  /**
   * Whether the reader had a trial: a subscription of the account was ever in one (as told by
   * Stripe's snapshots), or the account's email (or id) is claimed, which outlives a deleted
   * account (trial-claims.ts).
   */
  async hadTrial(accountId: string): Promise<boolean> {
    const row = await this.db.selectFrom('subscriptions').select('id').where('account_id', '=', accountId).where('had_trial', '=', 1).limit(1).executeTakeFirst();
    if (row !== undefined) return true;
    const account = await this.db.selectFrom('accounts').select('email').where('id', '=', accountId).executeTakeFirst();
    return this.trials.claimed(this.db, { id: accountId, email: account?.email });
  }

  /**
   * Applies Stripe's current state of a subscription and the account's resulting entitlement
   * in one transaction (the subscription lock's, through `transact`), with the event id when
   * there is one: a duplicate event changes nothing, and a failure anywhere (including
   * `beforeCommit`) leaves nothing half-applied. The account is the customer's owner, else
   * the hint (Checkout's reference, the subscription's metadata); an event for an account
   * that no longer exists (deleted) is recorded and changes nothing: no billing row is ever
   * made for an id that is not in accounts.
   */
  applySubscription(transact: Transact, input: ApplyInput, beforeCommit: (accountId: string, grant: EntitlementGrant) => Promise<void>, endTrial: EndTrial): Promise<ApplyResult> {
    const { snapshot, event } = input;
    const now = new Date(this.clock());
    return transact(async (trx) => {
      const { owner, account } = heldAccountFor(input.held, snapshot.customerId) ?? (await this.accountOf(trx, snapshot.customerId, input.accountHint));
      const accountId = owner ?? input.accountHint;
      const refusal = accountId === undefined ? 'unknown-customer' : account !== undefined ? undefined : 'account-gone';
      // The event's own insert answers whether it was seen before (a redelivery, or the same event racing).
      if (refusal !== undefined || accountId === undefined) {
        const outcome = refusal ?? 'unknown-customer';
        const fresh = event === undefined || (await this.insertEvent(trx, event, outcome, now));
        return { outcome: fresh ? outcome : 'duplicate', accountId, entitlementChanged: false };
      }
      const written = await this.recordAndUpsert(trx, event, accountId, snapshot, now);
      if (!written.fresh) return { outcome: 'duplicate', accountId, entitlementChanged: false };
      if (owner === undefined) {
        // An account keeps its first customer; a second one (made by hand at Stripe) is not stored.
        await trx.insertInto('billing_customers').values({ account_id: accountId, customer_id: snapshot.customerId, created_at: now.toISOString() }).onConflict((oc) => oc.doNothing()).execute();
      }
      const trialEnded = await this.claimTrial(trx, accountId, snapshot, now, endTrial);
      const rules = { graceDays: input.graceDays, offered: input.offered, seated: input.seated ?? new Set<string>(), seats: input.seats };
      const { grant, changed, leadsGroup } = written.inputs !== undefined ? await recomputeEntitlementFrom(trx, accountId, written.inputs, rules, now) : await recomputeEntitlement(trx, accountId, rules, now);
      if (changed) await beforeCommit(accountId, grant);
      // Most accounts lead no group: the same read answered that, so their members' list is not read.
      const membersChanged = leadsGroup ? await this.recomputeMembers(trx, accountId, rules, now, beforeCommit) : [];
      return { outcome: 'applied', accountId, entitlementChanged: changed, membersChanged, trialEnded };
    });
  }

  /**
   * A subscription that is or was in a trial claims the reader's trial; one that is trialing
   * while another subscription holds the claim (two Checkouts opened at once, each offering
   * the trial) has its trial ended at Stripe now, under the account's lock, so that of two
   * applied at once exactly the later one loses it.
   */
  private async claimTrial(trx: Trx, accountId: string, snapshot: SubscriptionSnapshot, now: Date, endTrial: EndTrial): Promise<boolean> {
    if (!snapshot.hadTrial) return false;
    const account = await trx.selectFrom('accounts').select('email').where('id', '=', accountId).executeTakeFirst();
    const { takenByAnother } = await this.trials.claim(trx, { id: accountId, email: account?.email }, snapshot.id, now);
    if (!takenByAnother || snapshot.status !== 'trialing') return false;
    await endTrial(snapshot.id);
    return true;
  }

  /** Records an event that changes nothing (unknown customer, ignored type); false when seen before. */
  async recordEvent(event: { id: string; type: string }, outcome: string): Promise<boolean> {
    const now = new Date(this.clock());
    try {
      await this.db.transaction().execute((trx) => this.recordEventIn(trx, event, outcome, now));
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  /**
   * Run as a subscription's lock is taken (subscription-lock.ts, `lock` its expression on
   * PostgreSQL): whether the event was recorded (processing itself relies on the insert's
   * conflict), and on PostgreSQL the account it names, found and locked (held-account.ts).
   */
  holdAccount(db: Db, lock: RawBuilder<unknown> | undefined, request: HoldRequest): Promise<HeldAccount> {
    return holdAccount(db, lock, request);
  }

  private async recordEventIn(trx: Trx, event: { id: string; type: string }, outcome: string, now: Date): Promise<void> {
    await trx.insertInto('stripe_events').values(eventRow(event, outcome, now)).execute();
  }

  /** False when the event was recorded before. No error: on PostgreSQL one would abort the lock's transaction. */
  private async insertEvent(trx: Trx, event: { id: string; type: string }, outcome: string, now: Date): Promise<boolean> {
    const result = await trx
      .insertInto('stripe_events')
      .values(eventRow(event, outcome, now))
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  /**
   * In one statement: the customer's owner, and whether the account it belongs to (the
   * owner, else the hint) exists. On PostgreSQL the account row is key-share-locked until
   * commit: an account deletion running now either waits for this write (and then erases
   * it too) or has committed (and the row is gone); a change of its other columns (a new
   * password) does not wait. A webhook's event for a customer with an owner has that account
   * found and locked so as the subscription's lock was taken (held-account.ts); this is for the others.
   *
   * The same statement takes the account's lock there. The entitlement is worked out from
   * all of the account's subscriptions, while the caller holds only one subscription's lock:
   * two of an account's subscriptions changing at once (under READ COMMITTED) could each
   * read the other as it was and leave a canceled account a subscriber. One
   * transaction-scoped lock per account makes the second wait for the first's commit; it is
   * always taken after the subscription's, so no two wait on each other, and before any read
   * of the account's subscriptions (a later statement, so that read sees the first's commit).
   * (SQLite runs one write transaction at a time.)
   */
  private async accountOf(trx: Trx, customerId: string, hint: string | undefined): Promise<{ owner: string | undefined; account: string | undefined }> {
    const postgres = this.dialect === 'postgres';
    const row = await trx
      .selectNoFrom((eb) => {
        const owner = eb.selectFrom('billing_customers').select('account_id').where('customer_id', '=', customerId);
        const accountId = eb.fn.coalesce(owner, eb.val(hint ?? null));
        const account = eb.selectFrom('accounts').select('id').where('id', '=', accountId);
        return [owner.as('owner'), (postgres ? account.forKeyShare() : account).as('account'), ...(postgres ? [sql<unknown>`pg_advisory_xact_lock(${accountLockClass}::int4, hashtext(${accountId}))`.as('locked')] : [])];
      })
      .executeTakeFirstOrThrow();
    return { owner: row.owner ?? undefined, account: row.account ?? undefined };
  }

  /**
   * Records the event (when there is one) and upserts the subscription, unless the event was
   * recorded before: `fresh` false then, and nothing is written. On PostgreSQL in one
   * statement that also reads the entitlement's inputs (subscription-upsert.ts); SQLite runs
   * in process, where a second statement costs no round trip.
   */
  private async recordAndUpsert(trx: Trx, event: { id: string; type: string } | undefined, accountId: string, s: SubscriptionSnapshot, now: Date): Promise<{ fresh: boolean; inputs?: EntitlementInputs }> {
    if (event !== undefined && this.dialect === 'postgres') return recordUpsertAndRead(trx, event, accountId, s, now);
    if (event !== undefined && !(await this.insertEvent(trx, event, 'applied', now))) return { fresh: false };
    await upsertSubscription(trx, accountId, s, now);
    return { fresh: true };
  }

  /**
   * A group owner's subscription entitles its members: each member's entitlement is worked
   * out again (a downgrade to a plan without seats or an end takes it back) under the
   * member's lock, taken after the owner's (which the caller holds: joins and removals take
   * it too, so the list read here cannot change before commit).
   */
  private async recomputeMembers(trx: Trx, ownerId: string, rules: Parameters<typeof recomputeEntitlement>[2], now: Date, beforeCommit: (accountId: string, grant: EntitlementGrant) => Promise<void>): Promise<string[]> {
    const members = await trx.selectFrom('group_members').select('member_id').where('owner_id', '=', ownerId).orderBy('member_id').execute();
    return recomputeMembersOf(trx, (id) => lockAccount(trx, this.dialect, id), members.map((m) => m.member_id), rules, now, beforeCommit);
  }

}
