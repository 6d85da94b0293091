import { monitorEventLoopDelay } from 'node:perf_hooks';
import express from 'express';
import pino from 'pino';
import { parseConfig } from '../../src/config/config';
import { buildGatehouse } from '../../src/composition';
import { createApp } from '../../src/app';
import { createHttpServer } from '../../src/http/server';
import { articlePage } from '../../src/articles/article-page';
import { defaultMeterSettings } from '../../src/meter/meter-settings';
import { answerCpu, type Counters } from './readings';
import { profileLayers } from './layer-profile';

export const controlPath = (slug: string) => `/bench/control/${slug}`;

/**
 * The app child: the real app in production mode, with counters on its Redis client and its
 * database, an in-app control route, and (BENCH_PROFILE) a timer on every middleware layer.
 * It answers the parent's readings over IPC (see readings.ts).
 */
export async function serveApp(): Promise<void> {
  const counters = { redis: 0, redisTrips: 0, sql: 0 } satisfies Counters;
  const config = parseConfig(process.env);
  const deps = await buildGatehouse(
    { ...config, sessionSecret: process.env.SESSION_SECRET! },
    {
      // As in production (main.ts): log lines written asynchronously, off the request path.
      logger: pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: false })),
      databaseLog: (event: { level: string; query?: { sql: string } }) => {
        if (event.level === 'query') counters.sql += 1;
        if (process.env.BENCH_SQL_LOG === '1') process.stderr.write(`sql: ${event.query?.sql.slice(0, 100)}\n`);
      },
    },
  );
  const redis = deps.redis!;
  const send = redis.sendCommand.bind(redis) as (...args: unknown[]) => unknown;
  let inThisTick = false;
  // Every argument goes on: a Cluster's third one routes a MULTI's commands to one node.
  redis.sendCommand = ((...args: unknown[]) => {
    counters.redis += 1;
    if (!inThisTick) {
      inThisTick = true;
      counters.redisTrips += 1;
      process.nextTick(() => (inThisTick = false));
    }
    return send(...args);
  }) as typeof redis.sendCommand;

  // The in-app control: the same article, middleware and template, no gate. Between it and
  // bare Express lies the cost of the middleware chain; between it and a gated kind, the gate's.
  const control = express.Router();
  const settings = { ...defaultMeterSettings };
  control.get(controlPath(':slug'), async (req, res) => {
    const found = await deps.articles.source?.get(String(req.params.slug));
    if (!found) return res.sendStatus(404);
    const free = { decision: 'free' as const, settings, entitlement: 'none' as const, limit: null, remaining: null, used: 0, periodEndsAt: new Date(), storeUnavailable: false };
    res.render('article', { title: found.title, article: found, ...articlePage(found, free, 'http://bench/'), billingConfigured: false, returnTo: '/' });
  });
  const app = createApp(deps, { extraRoutes: control });
  const layers = process.env.BENCH_PROFILE_LAYERS === '1' ? profileLayers(app) : { take: () => [] };
  // As main.ts serves it.
  const server = createHttpServer(app).listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.send!({ port: typeof address === 'object' && address ? address.port : 0 });
  });
  const loopDelay = monitorEventLoopDelay({ resolution: 20 });
  loopDelay.enable();
  process.on('message', (message) => {
    if (message === 'loop') {
      process.send!({ loop: { maxMs: Math.round(loopDelay.max / 1e6), p99Ms: Math.round(loopDelay.percentile(99) / 1e6) } });
      loopDelay.reset();
    }
    answerCpu(message);
    if (message === 'counters') process.send!({ counters });
    if (message === 'memory') process.send!({ memory: process.memoryUsage() });
    if (message === 'settledMemory') {
      globalThis.gc?.();
      process.send!({ settledMemory: process.memoryUsage() });
    }
    if (message === 'layers') process.send!({ layers: layers.take() });
    if (message === 'stop') server.close(() => deps.close().then(() => process.exit(0)));
  });
}
