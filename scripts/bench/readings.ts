import type { ChildProcess } from 'node:child_process';
import type { Request } from 'express';
import type Redis from 'ioredis';
import { unsign } from 'cookie-signature';
import { anonymousIdOf, readerCookieName } from '../../src/meter/reader-cookie';
import { readerKeyOf } from '../../src/meter/meter.module';
import { RedisMeterStore } from '../../src/meter/meter-store.redis';
import type { LayerCost } from './layer-profile';

/**
 * What the app server counts about itself: Redis commands sent, Redis round trips (commands
 * sent in one tick travel in one write: a MULTI or a pipeline is one trip) and SQL queries.
 */
export interface Counters {
  readonly redis: number;
  readonly redisTrips: number;
  readonly sql: number;
}

export interface Loop {
  readonly maxMs: number;
  readonly p99Ms: number;
}

type Reading = 'counters' | 'memory' | 'settledMemory' | 'loop' | 'layers' | 'cpu';

/** Asks the server child for one reading over IPC; it answers `message` with `{ [message]: value }`. */
export function ask<T>(child: ChildProcess, message: Reading): Promise<T> {
  return new Promise((resolve) => {
    const listener = (reply: unknown) => {
      const value = (reply as Record<string, unknown>)[message];
      if (value === undefined) return;
      child.off('message', listener);
      resolve(value as T);
    };
    child.on('message', listener);
    child.send(message);
  });
}

export const memoryOf = (child: ChildProcess) => ask<NodeJS.MemoryUsage>(child, 'memory');
/** Memory after a full GC (only a server run with --expose-gc can force one; else as it is). */
export const settledMemoryOf = (child: ChildProcess) => ask<NodeJS.MemoryUsage>(child, 'settledMemory');
export const loopOf = (child: ChildProcess) => ask<Loop>(child, 'loop');
export const countersOf = (child: ChildProcess) => ask<Counters>(child, 'counters');
/** The server process's CPU time so far (user and system, µs): every server child answers it. */
export const cpuOf = (child: ChildProcess) => ask<NodeJS.CpuUsage>(child, 'cpu');

/** Answers the bench's 'cpu' reading in a server child (the app and the bare servers alike). */
export function answerCpu(message: unknown): void {
  if (message === 'cpu') process.send!({ cpu: process.cpuUsage() });
}
/** Per-layer costs since the last call (empty unless the server runs with BENCH_PROFILE). */
export const layersOf = (child: ChildProcess) => ask<LayerCost[]>(child, 'layers');

export interface ViewTarget {
  readonly name: string;
  readonly url: string;
  readonly cookie?: string;
  /** The child serving it, asked for its CPU time around each run. */
  readonly server?: ChildProcess;
  /** The X-Access-Decision the view must answer. */
  readonly expect?: string;
}

export interface PerView extends Counters {
  /** The most expensive layers per view, when profiling. */
  readonly layers: LayerCost[];
}

/**
 * Redis round trips and SQL queries per view, counted inside the server over `views`
 * sequential views (one at a time, so the per-layer times hold no queueing). Also checks
 * that every view answers the decision its kind stands for.
 */
export async function perViewCosts(child: ChildProcess, target: ViewTarget, views = 200): Promise<PerView> {
  const headers: Record<string, string> = target.cookie ? { cookie: target.cookie } : {};
  await (await fetch(target.url, { headers })).arrayBuffer();
  const before = await countersOf(child);
  await layersOf(child);
  for (let i = 0; i < views; i += 1) {
    const response = await fetch(target.url, { headers });
    const decision = response.headers.get('x-access-decision') ?? '';
    await response.arrayBuffer();
    if (target.expect !== undefined && decision !== target.expect) throw new Error(`${target.name}: expected "${target.expect}", got "${decision}"`);
  }
  const after = await countersOf(child);
  const layers = (await layersOf(child)).map((layer) => ({ ...layer, syncUs: layer.syncUs / views, handOffUs: layer.handOffUs / views, calls: layer.calls / views }));
  return { redis: (after.redis - before.redis) / views, redisTrips: (after.redisTrips - before.redisTrips) / views, sql: (after.sql - before.sql) / views, layers };
}

/**
 * The Redis memory of the anonymous reader behind `cookie` (a Cookie header the app set),
 * found through the product's own cookie and meter-store code rather than a copy of its key layout.
 */
export async function redisBytesOfReader(redis: Redis, keyPrefix: string, sessionSecret: string, cookie: string): Promise<number> {
  const raw = cookie.split('; ').find((c) => c.startsWith(`${readerCookieName}=`))?.slice(readerCookieName.length + 1);
  const decoded = raw === undefined ? undefined : decodeURIComponent(raw);
  const value = decoded?.startsWith('s:') ? unsign(decoded.slice(2), sessionSecret) : false;
  const anonymousId = anonymousIdOf({ signedCookies: { [readerCookieName]: value } } as unknown as Request);
  const readerKey = anonymousId === undefined ? undefined : readerKeyOf({ anonymousId });
  if (readerKey === undefined) throw new Error('the reader cookie did not carry an anonymous id');
  let bytes = 0;
  for (const key of new RedisMeterStore(redis, { keyPrefix }).readerKeys(readerKey)) {
    bytes += Number((await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) ?? 0);
  }
  return bytes;
}

/** The server's HTTP duration histogram summed over routes: requests in total and within each bound. */
export async function serverLatencies(base: string): Promise<{ total: number; within: Map<string, number> }> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const within = new Map<string, number>();
  let total = 0;
  for (const line of text.split('\n')) {
    const bucket = /^gatehouse_http_request_duration_seconds_bucket\{[^}]*le="([^"]+)"[^}]*\} (\d+)/.exec(line);
    if (bucket) within.set(bucket[1]!, (within.get(bucket[1]!) ?? 0) + Number(bucket[2]));
    const count = /^gatehouse_http_request_duration_seconds_count\{.*\} (\d+)/.exec(line);
    if (count) total += Number(count[1]);
  }
  return { total, within };
}
