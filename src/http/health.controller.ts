import { Router } from 'express';
import { sql } from 'kysely';
import type { AppDeps } from '../composition';

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref())]);
}

export function healthRoutes(deps: Pick<AppDeps, 'database' | 'redis' | 'metrics'>): Router {
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    res.set('Content-Type', deps.metrics.registry.contentType);
    res.send(await deps.metrics.registry.metrics());
  });
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const checks: Record<string, 'ok' | 'down'> = {};
    const database = withTimeout(sql`select 1`.execute(deps.database.db), 1_000).then(
      () => 'ok' as const,
      () => 'down' as const,
    );
    const redis = deps.redis === undefined ? undefined : withTimeout(deps.redis.ping(), 1_000).then(() => 'ok' as const, () => 'down' as const);
    checks.database = await database;
    if (redis !== undefined) checks.redis = await redis;
    const ready = Object.values(checks).every((c) => c === 'ok');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', checks });
  });
  return router;
}
