import { BillingRepository } from '../../src/billing/billing.repository';
import { PlansService } from '../../src/billing/plans';
import { TrialClaims } from '../../src/billing/trial-claims';
import { PlansRepository } from '../../src/billing/plans.repository';
import { readdirSync, readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import type { DatabaseHandle } from '../../src/store/database';
import { FakeStripe } from '../../test/support/fake-stripe';
import type { Served } from './processes';
import { countersOf, cpuOf } from './readings';

export interface WebhookBurst {
  readonly events: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly failures: number;
  /** CPU time per event (µs) of the app, of the bench's own process (the load and the Stripe double), and of PostgreSQL's processes. */
  readonly cpuUs: { readonly app: number; readonly appKernel: number; readonly bench: number; readonly postgres: number };
  /** SQL queries and Redis round trips per event, counted inside the app. */
  readonly sqlPerEvent: number;
  readonly redisTripsPerEvent: number;
}

/** CPU time (µs) of every process named postgres on this machine, from /proc (Linux). */
function postgresCpuUs(): number {
  const tick = 1e6 / 100; // USER_HZ
  let total = 0;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      if (stat.slice(stat.indexOf('(') + 1, close) !== 'postgres') continue;
      const fields = stat.slice(close + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12])) * tick; // utime, stime
    } catch {
      // A process that ended between the listing and the read.
    }
  }
  return total;
}

/**
 * Posts `count` distinct signed subscription events, `concurrency` at a time, spread over
 * 100 subscriptions of 100 accounts (10 events each, shuffled), as a renewal run would send.
 * The Stripe double the app reads each subscription from runs in this process.
 */
export async function webhookBurst(app: Served, stripe: FakeStripe, handle: DatabaseHandle, count: number, concurrency: number): Promise<WebhookBurst> {
  const base = app.base;
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
  let next = 0;
  const [appBefore, countersBefore] = [await cpuOf(app.child), await countersOf(app.child)];
  const benchBefore = process.cpuUsage();
  const postgresBefore = postgresCpuUs();
  const started = performance.now();
  // autocannon, as for the views: fetch's own cost per request was a third of the bench's CPU.
  // Its run ends on a whole second: the burst lasts until its last answer.
  let ended = started;
  const latencies: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: base,
        connections: concurrency,
        amount: count,
        requests: [
          {
            method: 'POST',
            path: '/webhooks/stripe',
            setupRequest: (request) => {
              const { body, signature } = bodies[next++ % bodies.length]!;
              return { ...request, body, headers: { 'content-type': 'application/json', 'stripe-signature': signature } };
            },
          },
        ],
      },
      (error, done) => (error ? reject(error) : resolve(done)),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      ended = performance.now();
      latencies.push(responseTime);
    });
  });
  const failures = result.non2xx + result.errors;
  const seconds = (ended - started) / 1000;
  const postgresUs = postgresCpuUs() - postgresBefore;
  const benchUsed = process.cpuUsage(benchBefore);
  const [appAfter, countersAfter] = [await cpuOf(app.child), await countersOf(app.child)];
  const perEvent = (us: number) => Math.round(us / count);
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!);
  return {
    events: count,
    perSecond: count / seconds,
    p50: at(0.5),
    p99: at(0.99),
    failures,
    cpuUs: { app: perEvent(appAfter.user - appBefore.user + appAfter.system - appBefore.system), appKernel: perEvent(appAfter.system - appBefore.system), bench: perEvent(benchUsed.user + benchUsed.system), postgres: perEvent(postgresUs) },
    sqlPerEvent: (countersAfter.sql - countersBefore.sql) / count,
    redisTripsPerEvent: (countersAfter.redisTrips - countersBefore.redisTrips) / count,
  };
}

export function describeBurst(burst: WebhookBurst, concurrency: number): string {
  const { app, appKernel, bench, postgres } = burst.cpuUs;
  return [
    `Webhook burst: ${burst.events} signed events, ${concurrency} at a time: ${Math.round(burst.perSecond)} events/s, p50 ${burst.p50} ms, p99 ${burst.p99} ms, ${burst.failures} failures`,
    `  per event: ${burst.sqlPerEvent.toFixed(1)} SQL queries and ${burst.redisTripsPerEvent.toFixed(1)} Redis round trips in the app; CPU ${app} µs in the app (${appKernel} of them in the kernel), ${postgres} µs in PostgreSQL, ${bench} µs in the bench (load and Stripe double)`,
  ].join('\n');
}
