import { Router } from 'express';
import { AppError } from '../http/app-error';
import type { ArticleSource } from './article';
import type { ArticleGate } from './ports';
import type { VisitorOf } from './visitor';

export interface AccessApiRoutesDeps {
  readonly source: ArticleSource;
  readonly gate: ArticleGate;
  readonly visitorOf: VisitorOf;
}

/** The same decisions as the pages, as JSON, without counting a view (SPEC section 5). */
export function accessApiRoutes(deps: AccessApiRoutesDeps): Router {
  const router = Router();

  router.get('/api/access/:slug', async (req, res) => {
    const article = await deps.source.get(req.params.slug);
    if (article === undefined) throw new AppError(404, 'No article has this slug.');
    const visit = await deps.visitorOf(req, res, 'peek', article);
    const result = await deps.gate.decide(article, visit.reader, visit.mode);
    res.set('Cache-Control', 'private, no-store');
    res.json({ decision: result.decision, limit: result.limit, remaining: result.remaining });
  });

  return router;
}
