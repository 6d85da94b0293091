import { sql } from 'kysely';
import { dialects, openTestDatabase, type TestDatabase } from '../../test/support/databases';
import { openDatabase } from '../store/database';
import { BillingRepository, type ApplyResult, type SubscriptionSnapshot } from './billing.repository';
import { buildSubscriptionLock, subscriptionLockClass, subscriptionLockKey } from './subscription-lock';
import { accountLockClass } from './account-lock';
import { TrialClaims } from './trial-claims';

const rules = { graceDays: 3, offered: new Set(['price_plan']) };

function snapshot(id: string, status: string): SubscriptionSnapshot {
  return { id, customerId: `cus_${id}`, status, priceId: 'price_plan', currentPeriodEnd: null, cancelAtPeriodEnd: false, hadTrial: false };
}

for (const dialect of dialects) {
  describe(`BillingRepository.applySubscription (${dialect})`, () => {
    let database: TestDatabase;
    let repository: BillingRepository;

    beforeAll(async () => {
      database = await openTestDatabase(dialect);
      repository = new BillingRepository({ db: database.handle.db, dialect: database.handle.dialect, clock: Date.now, trials: new TrialClaims('test') });
    });
    afterAll(() => database.close());

    async function account(id: string): Promise<void> {
      const at = new Date().toISOString();
      await database.handle.db.insertInto('accounts').values({ id, email: `${id}@example.test`, password_hash: '', is_admin: 0, created_at: at, updated_at: at }).execute();
    }

    /**
     * As the billing service applies a webhook's event: the hold (the event's look-up, the
     * account found and locked) as the lock is taken, then the apply. `lookUp: false` skips
     * the look-up, as a redelivery racing the first past it would; `customerId` is the customer the event names.
     */
    function apply(s: SubscriptionSnapshot, accountId: string, eventId: string, options: { lookUp?: boolean; customerId?: string } = {}) {
      const lock = buildSubscriptionLock(database.handle.db, database.handle.dialect);
      const dropped: string[] = [];
      const hold = { eventId: options.lookUp === false ? undefined : eventId, customerId: options.customerId ?? s.customerId };
      const result: Promise<ApplyResult> = lock.withSubscriptionLock(
        s.id,
        (db, lockExpression) => repository.holdAccount(db, lockExpression, hold),
        async (transact, held) =>
          held.seen
            ? { outcome: 'duplicate', accountId: undefined, entitlementChanged: false }
            : repository.applySubscription(transact, { snapshot: s, accountHint: accountId, event: { id: eventId, type: 'customer.subscription.updated' }, ...rules, held }, async (id) => void dropped.push(id), async () => undefined),
      );
      return { result, dropped };
    }

    const entitlementOf = async (accountId: string) => (await database.handle.db.selectFrom('entitlements').select('status').where('account_id', '=', accountId).executeTakeFirst())?.status;

    it('when an event is applied again past the look-up (a racing redelivery), then it is a duplicate and the state it carries is not written', async () => {
      await account('acc-dup');
      expect((await apply(snapshot('sub_dup', 'active'), 'acc-dup', 'evt_dup').result).outcome).toBe('applied');
      const again = apply(snapshot('sub_dup', 'canceled'), 'acc-dup', 'evt_dup', { lookUp: false });
      expect((await again.result).outcome).toBe('duplicate');
      expect(again.dropped).toEqual([]);
      expect((await repository.subscriptionsOf('acc-dup')).map((s) => s.status)).toEqual(['active']);
      expect(await database.handle.db.selectFrom('stripe_events').select('outcome').where('id', '=', 'evt_dup').execute()).toEqual([{ outcome: 'applied' }]);
    });

    it('when a new event brings a new status, then the subscription and the entitlement follow it and the cached one is dropped', async () => {
      await account('acc-new');
      const first = apply(snapshot('sub_new', 'active'), 'acc-new', 'evt_new_1');
      expect(await first.result).toMatchObject({ outcome: 'applied', entitlementChanged: true, membersChanged: [] });
      expect(first.dropped).toEqual(['acc-new']);
      const second = apply(snapshot('sub_new', 'canceled'), 'acc-new', 'evt_new_2');
      expect(await second.result).toMatchObject({ outcome: 'applied', entitlementChanged: true });
      expect((await repository.subscriptionsOf('acc-new')).map((s) => s.status)).toEqual(['canceled']);
      const entitlement = await database.handle.db.selectFrom('entitlements').select('status').where('account_id', '=', 'acc-new').executeTakeFirstOrThrow();
      expect(entitlement.status).not.toBe('subscriber');
    });

    it('when an applied event comes again, then the look-up as the lock is taken sees it', async () => {
      await account('acc-seen');
      expect((await apply(snapshot('sub_seen', 'active'), 'acc-seen', 'evt_seen').result).outcome).toBe('applied');
      expect((await apply(snapshot('sub_seen', 'canceled'), 'acc-seen', 'evt_seen').result).outcome).toBe('duplicate');
      expect((await repository.subscriptionsOf('acc-seen')).map((s) => s.status)).toEqual(['active']);
    });

    it("when one of an account's two subscriptions ends, then the other still entitles it; when both have ended, it does not", async () => {
      await account('acc-two');
      await apply(snapshot('sub_two_a', 'active'), 'acc-two', 'evt_two_1').result;
      await apply({ ...snapshot('sub_two_b', 'active'), customerId: 'cus_sub_two_a' }, 'acc-two', 'evt_two_2').result;
      await apply(snapshot('sub_two_a', 'canceled'), 'acc-two', 'evt_two_3').result;
      expect(await entitlementOf('acc-two')).toBe('subscriber');
      const last = await apply({ ...snapshot('sub_two_b', 'canceled'), customerId: 'cus_sub_two_a' }, 'acc-two', 'evt_two_4').result;
      expect(last).toMatchObject({ outcome: 'applied', entitlementChanged: true });
      expect(await entitlementOf('acc-two')).not.toBe('subscriber');
    });

    it('when the event names another customer than the subscription has, then the account is found from the subscription\'s own', async () => {
      await account('acc-owner');
      await apply(snapshot('sub_owned', 'active'), 'acc-owner', 'evt_owned_1').result;
      // The event names a customer nobody owns and no account; the subscription's customer is acc-owner's.
      const result = await apply(snapshot('sub_owned', 'canceled'), 'acc-nobody', 'evt_owned_2', { customerId: 'cus_elsewhere' }).result;
      expect(result).toMatchObject({ outcome: 'applied', accountId: 'acc-owner' });
      expect((await repository.subscriptionsOf('acc-owner')).map((s) => s.status)).toEqual(['canceled']);
    });

    it('when the account is gone, then the event is recorded as such and nothing else is written', async () => {
      const result = await apply(snapshot('sub_gone', 'active'), 'acc-never-made', 'evt_gone').result;
      expect(result.outcome).toBe('account-gone');
      expect(await database.handle.db.selectFrom('subscriptions').select('id').where('id', '=', 'sub_gone').execute()).toEqual([]);
      expect(await database.handle.db.selectFrom('stripe_events').select('outcome').where('id', '=', 'evt_gone').execute()).toEqual([{ outcome: 'account-gone' }]);
    });
  });

  if (dialect === 'postgres') {
    describe('BillingRepository.holdAccount (postgres)', () => {
      let database: TestDatabase;
      let repository: BillingRepository;

      beforeAll(async () => {
        database = await openTestDatabase(dialect);
        repository = new BillingRepository({ db: database.handle.db, dialect: database.handle.dialect, clock: Date.now, trials: new TrialClaims('test') });
        const at = new Date().toISOString();
        await database.handle.db.insertInto('accounts').values({ id: 'acc-held', email: 'held@example.test', password_hash: '', is_admin: 0, created_at: at, updated_at: at }).execute();
        await repository.keepCustomer('acc-held', 'cus_held');
      });
      afterAll(() => database.close());

      it("when the lock is taken, then its one statement holds the subscription's lock and the account's until commit, and finds the customer's owner", async () => {
        const lock = buildSubscriptionLock(database.handle.db, 'postgres');
        let held: unknown;
        // Locks are seen from another connection; other suites' transactions may hold other keys of the same classes.
        const accountKey = (await sql<{ key: number }>`select hashtext('acc-held') as key`.execute(database.handle.db)).rows[0]!.key;
        const granted = async () => {
          const locks = await sql<{ classid: number; objid: number }>`select classid::int, objid::int from pg_locks where locktype = 'advisory' and granted`.execute(database.handle.db);
          const has = (classid: number, objid: number) => locks.rows.some((l) => l.classid === classid && l.objid === objid);
          return { subscription: has(subscriptionLockClass, subscriptionLockKey('sub_held')), account: has(accountLockClass, accountKey) };
        };
        const holding = lock.withSubscriptionLock(
          'sub_held',
          (db, expression) => repository.holdAccount(db, expression, { eventId: 'evt_held', customerId: 'cus_held' }),
          async (_transact, read) => {
            held = read;
            expect(await granted()).toEqual({ subscription: true, account: true });
          },
        );
        await holding;
        expect(held).toEqual({ seen: false, account: { customerId: 'cus_held', owner: 'acc-held', exists: true } });
        expect(await granted()).toEqual({ subscription: false, account: false });
      });

      it("when the event's customer has no owner yet, then no account is held and the apply finds it itself", async () => {
        const lock = buildSubscriptionLock(database.handle.db, 'postgres');
        const held = await lock.withSubscriptionLock('sub_unheld', (db, expression) => repository.holdAccount(db, expression, { eventId: 'evt_unheld', customerId: 'cus_unknown' }), async (_t, read) => read);
        expect(held).toEqual({ seen: false, account: undefined });
      });

      it('when a webhook event is applied, then it costs four statements: begin, the hold, the write with its reads, commit', async () => {
        let statements = 0;
        const counted = openDatabase({ databaseUrl: database.url, sqliteFile: '', log: (event) => void (event.level === 'query' && (statements += 1)) });
        try {
          const on = new BillingRepository({ db: counted.db, dialect: 'postgres', clock: Date.now, trials: new TrialClaims('test') });
          const lock = buildSubscriptionLock(counted.db, 'postgres');
          const s: SubscriptionSnapshot = { id: 'sub_count', customerId: 'cus_held', status: 'active', priceId: 'price_plan', currentPeriodEnd: null, cancelAtPeriodEnd: false, hadTrial: false };
          const applyOnce = (eventId: string) =>
            lock.withSubscriptionLock(
              s.id,
              (db, expression) => on.holdAccount(db, expression, { eventId, customerId: s.customerId }),
              (transact, held) => on.applySubscription(transact, { snapshot: s, accountHint: undefined, event: { id: eventId, type: 'invoice.paid' }, ...rules, held }, async () => undefined, async () => undefined),
            );
          await applyOnce('evt_count_1');
          statements = 0;
          // The same state again: the entitlement is unchanged, so nothing more is written.
          expect((await applyOnce('evt_count_2')).outcome).toBe('applied');
          expect(statements).toBe(4);
        } finally {
          await counted.close();
        }
      });
    });
  }
}
