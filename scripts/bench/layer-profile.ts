import { performance } from 'node:perf_hooks';
import type { Express, NextFunction, Request, Response } from 'express';

/** One middleware layer's cost, summed over the requests it saw. */
export interface LayerCost {
  readonly name: string;
  /** Time inside the layer's own code before it handed off or returned (CPU on the event loop). */
  readonly syncUs: number;
  /** Time from entering the layer to calling next() or the response finishing (includes awaits: Redis, SQL). */
  readonly handOffUs: number;
  readonly calls: number;
}

interface RouterLayer {
  name: string;
  handle: ((req: Request, res: Response, next: NextFunction) => unknown) & { stack?: RouterLayer[] };
  route?: { path: string; stack: RouterLayer[] };
}

/**
 * BENCH_PROFILE: wraps every request layer of the app's router (recursing into mounted
 * routers and routes) to time it. Each layer's own time ends where it hands off, so nested
 * layers are not counted twice; so a layer's "to hand-off" time includes what it awaited
 * (Redis, SQL) and the event loop's other work meanwhile. Error handlers (four arguments) are left alone: Express
 * tells them apart by arity.
 */
export function profileLayers(app: Express): { take(): LayerCost[] } {
  const costs = new Map<string, { syncUs: number; handOffUs: number; calls: number }>();
  const costOf = (name: string) => {
    let cost = costs.get(name);
    if (cost === undefined) costs.set(name, (cost = { syncUs: 0, handOffUs: 0, calls: 0 }));
    return cost;
  };

  const wrap = (layer: RouterLayer, name: string) => {
    const handle = layer.handle;
    const cost = costOf(name);
    layer.handle = function timed(req: Request, res: Response, next: NextFunction) {
      const started = performance.now();
      let inside = true;
      let handedOff = false;
      cost.calls += 1;
      const handOff = () => {
        if (handedOff) return;
        handedOff = true;
        const elapsed = (performance.now() - started) * 1000;
        cost.handOffUs += elapsed;
        if (inside) cost.syncUs += elapsed;
      };
      try {
        return handle(req, res, (...args: unknown[]) => {
          handOff();
          (next as (...a: unknown[]) => void)(...args);
        });
      } finally {
        if (!handedOff) {
          cost.syncUs += (performance.now() - started) * 1000;
          res.once('finish', handOff);
        }
        inside = false;
      }
    };
  };

  const walk = (stack: RouterLayer[], prefix: string) => {
    stack.forEach((layer, index) => {
      if (layer.handle.length > 3) return;
      const label = `${prefix}${index} ${layer.name}`;
      if (layer.route) return walk(layer.route.stack, `${prefix}${index} route ${layer.route.path} > `);
      if (Array.isArray(layer.handle.stack)) return walk(layer.handle.stack, `${label} > `);
      wrap(layer, label);
    });
  };
  walk((app as unknown as { router: { stack: RouterLayer[] } }).router.stack, '');

  // A route handler's own time ends at its first await; what follows (above all the
  // template) is timed here. Eta renders synchronously, so this is CPU time.
  const render = app.render.bind(app) as (name: string, options: object, done: (error: Error | null, html?: string) => void) => void;
  (app as unknown as { render: typeof render }).render = (name, options, done) => {
    const cost = costOf(`res.render ${name}`);
    const started = performance.now();
    cost.calls += 1;
    render(name, options, (error, html) => {
      const elapsed = (performance.now() - started) * 1000;
      cost.syncUs += elapsed;
      cost.handOffUs += elapsed;
      done(error, html);
    });
  };

  return {
    take() {
      const taken = [...costs].filter(([, c]) => c.calls > 0).map(([name, c]) => ({ name, ...c }));
      for (const cost of costs.values()) Object.assign(cost, { syncUs: 0, handOffUs: 0, calls: 0 });
      return taken;
    },
  };
}
