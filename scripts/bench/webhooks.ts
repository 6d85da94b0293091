import { BillingRepository } from '../../src/billing/billing.repository';
import { PlansService } from '../../src/billing/plans';
import { TrialClaims } from '../../src/billing/trial-claims';
import { PlansRepository } from '../../src/billing/plans.repository';
import type { DatabaseHandle } from '../../src/store/database';
import { FakeStripe } from '../../test/support/fake-stripe';

export interface WebhookBurst {
  readonly events: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly failures: number;
}

/**
 * Posts `count` distinct signed subscription events, `concurrency` at a time, spread over
 * 100 subscriptions of 100 accounts (10 events each, shuffled), as a renewal run would send.
 */
export async function webhookBurst(base: string, stripe: FakeStripe, handle: DatabaseHandle, count: number, concurrency: number): Promise<WebhookBurst> {
  const billing = new BillingRepository({ db: handle.db, dialect: handle.dialect, clock: Date.now, trials: new TrialClaims('bench') });
  // Events are applied only for accounts that exist and prices that are configured plans.
  await new PlansService({ repository: new PlansRepository(handle.db, Date.now), clock: Date.now }).replace([{ priceId: 'price_bench', name: 'Bench', description: '' }]);
  const subscriptions: Record<string, unknown>[] = [];
  const createdAt = new Date().toISOString();
  for (let i = 0; i < 100; i += 1) {
    const customer = FakeStripe.id('cus');
    const accountId = `bench-account-${i}`;
    await handle.db.insertInto('accounts').values({ id: accountId, email: `${accountId}@bench.invalid`, password_hash: '', is_admin: 0, created_at: createdAt, updated_at: createdAt }).execute();
    await billing.keepCustomer(accountId, customer);
    subscriptions.push(stripe.createSubscription(customer, 'price_bench', 'active', { accountId }));
  }
  const bodies = Array.from({ length: count }, (_, i) => stripe.signed(stripe.event('customer.subscription.updated', subscriptions[i % subscriptions.length]!)));
  bodies.sort(() => Math.random() - 0.5);
  const latencies: number[] = [];
  let failures = 0;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) {
        const { body, signature } = bodies[next++]!;
        const t0 = performance.now();
        const response = await fetch(`${base}/webhooks/stripe`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': signature }, body });
        await response.arrayBuffer();
        latencies.push(performance.now() - t0);
        if (response.status !== 200) failures += 1;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!);
  return { events: count, perSecond: count / seconds, p50: at(0.5), p99: at(0.99), failures };
}
