import { dialects, openTestDatabase, type TestDatabase } from '../../test/support/databases';
import { BillingRepository, type SubscriptionSnapshot } from './billing.repository';
import { buildSubscriptionLock } from './subscription-lock';
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

    function apply(s: SubscriptionSnapshot, accountId: string, eventId: string) {
      const lock = buildSubscriptionLock(database.handle.db, database.handle.dialect);
      const dropped: string[] = [];
      const result = lock.withSubscriptionLock(s.id, (transact) =>
        repository.applySubscription(transact, { snapshot: s, accountHint: accountId, event: { id: eventId, type: 'customer.subscription.updated' }, ...rules }, async (id) => void dropped.push(id), async () => undefined),
      );
      return { result, dropped };
    }

    it('when an event is applied again past the look-up (a racing redelivery), then it is a duplicate and the state it carries is not written', async () => {
      await account('acc-dup');
      expect((await apply(snapshot('sub_dup', 'active'), 'acc-dup', 'evt_dup').result).outcome).toBe('applied');
      const again = apply(snapshot('sub_dup', 'canceled'), 'acc-dup', 'evt_dup');
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

    it('when the account is gone, then the event is recorded as such and nothing else is written', async () => {
      const result = await apply(snapshot('sub_gone', 'active'), 'acc-never-made', 'evt_gone').result;
      expect(result.outcome).toBe('account-gone');
      expect(await database.handle.db.selectFrom('subscriptions').select('id').where('id', '=', 'sub_gone').execute()).toEqual([]);
      expect(await database.handle.db.selectFrom('stripe_events').select('outcome').where('id', '=', 'evt_gone').execute()).toEqual([{ outcome: 'account-gone' }]);
    });
  });
}
