import type { ChildProcess } from 'node:child_process';
import autocannon from 'autocannon';
import { loopOf, memoryOf, serverLatencies } from './readings';

/**
 * --soak: 200 connections for 60 s (--soak-seconds) cycling through the reader flows (front
 * page, anonymous and signed-in article views, a wall, the JSON API), then the errors, p99
 * and the server's memory at the start and the end.
 */
export async function soak(base: string, child: ChildProcess, signedInCookie: string, seconds: number): Promise<void> {
  const requests = [
    { method: 'GET' as const, path: '/' },
    { method: 'GET' as const, path: '/articles/harbour-bridge-reopens' },
    { method: 'GET' as const, path: '/articles/market-hall-restoration', headers: { cookie: signedInCookie } },
    { method: 'GET' as const, path: '/articles/care-home-contracts' },
    { method: 'GET' as const, path: '/api/me', headers: { cookie: signedInCookie } },
    { method: 'GET' as const, path: '/api/access/tram-line-consultation' },
    { method: 'GET' as const, path: '/sections/news' },
  ];
  // 15 s of warm-up: in 60 s runs RSS rose in the first 10 s and then stayed flat, so a
  // shorter warm-up measured V8 and the allocator sizing up, not a leak.
  await autocannon({ url: base, connections: 200, duration: 15, requests });
  await loopOf(child);
  const start = await memoryOf(child);
  const serverBefore = await serverLatencies(base);
  // RSS every 10 s: a plateau means warm-up (heap and allocator sizing), a steady climb a leak.
  const series: number[] = [];
  const sampler = setInterval(() => {
    void memoryOf(child).then((m) => series.push(Math.round(m.rss / 1024 / 1024)));
  }, 10_000);
  const run = await autocannon({ url: base, connections: 200, duration: seconds, requests });
  clearInterval(sampler);
  const end = await memoryOf(child);
  const serverAfter = await serverLatencies(base);
  const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
  const growth = Math.round(((end.rss - start.rss) / start.rss) * 100);
  console.log(`\nGatehouse soak: 200 connections, ${seconds} s over ${requests.length} reader flows, production mode, ${new Date().toISOString()}`);
  console.table([
    {
      requests: run.requests.total,
      'req/s': Math.round(run.requests.average),
      errors: run.errors,
      timeouts: run.timeouts,
      resets: (run as unknown as { resets?: number }).resets ?? 0,
      'non-2xx': run.non2xx,
      'p50 ms': run.latency.p50,
      'p99 ms': run.latency.p99,
      'RSS start MB': mb(start.rss),
      'RSS end MB': mb(end.rss),
      'RSS growth': `${growth}%`,
      'heap start MB': mb(start.heapUsed),
      'heap end MB': mb(end.heapUsed),
    },
  ]);
  console.log(`RSS every 10 s (MB): ${[mb(start.rss), ...series].join(' → ')}`);
  const served = serverAfter.total - serverBefore.total;
  const over = (le: string) => served - ((serverAfter.within.get(le) ?? 0) - (serverBefore.within.get(le) ?? 0));
  console.log(`Server-side durations (its own histogram, request in to response out): ${served} requests, ${over('0.5')} over 0.5 s, ${over('1')} over 1 s, ${over('2.5')} over 2.5 s`);
  const loop = await loopOf(child);
  console.log(`Server event-loop delay during the soak: p99 ${loop.p99Ms} ms, max ${loop.maxMs} ms (a stall of seconds would show here); slowest response seen by the client: ${run.latency.max} ms`);
  const misses = [...(run.errors + run.non2xx > 0 ? [`${run.errors} errors (${run.timeouts} of them time-outs), ${run.non2xx} non-2xx (target 0)`] : []), ...(growth >= 20 ? [`RSS grew ${growth}% (target under 20%)`] : [])];
  console.log(misses.length === 0 ? 'Soak targets met.' : `Soak targets missed:\n  ${misses.join('\n  ')}`);
}
