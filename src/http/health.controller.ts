import { Router } from 'express';
import type { Metrics } from './metrics';

/** What readiness depends on: each a probe that resolves when that store answers. */
export type ReadinessChecks = Readonly<Record<string, () => Promise<unknown>>>;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref())]);
}

export function healthRoutes(deps: { readonly checks: ReadinessChecks; readonly metrics: Metrics }): Router {
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    res.set('Content-Type', deps.metrics.registry.contentType);
    res.send(await deps.metrics.registry.metrics());
  });
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const entries = await Promise.all(
      Object.entries(deps.checks).map(async ([name, probe]) => [name, await withTimeout(probe(), 1_000).then(() => 'ok' as const, () => 'down' as const)] as const),
    );
    const checks: Record<string, 'ok' | 'down'> = Object.fromEntries(entries);
    const ready = Object.values(checks).every((c) => c === 'ok');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', checks });
  });
  return router;
}
