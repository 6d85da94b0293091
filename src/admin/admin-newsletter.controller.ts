import type { Writable } from 'node:stream';
import { Router } from 'express';

/** What the newsletter's export needs from consent (its service). */
export interface NewsletterExport {
  /** Streams the readers opted in now as CSV; the number of rows. */
  exportNewsletterCsv(out: Writable): Promise<unknown>;
}

/**
 * GET /admin/api/newsletter.csv (SPEC section 13): the readers opted in now, for the
 * publisher's mail tool, streamed from a cursor; mounted behind requireAdmin.
 */
export function adminNewsletterRoutes(newsletter: NewsletterExport): Router {
  const router = Router();
  router.get('/newsletter.csv', async (_req, res) => {
    res.status(200);
    res.set({ 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': 'attachment; filename="newsletter.csv"', 'Cache-Control': 'no-store' });
    try {
      await newsletter.exportNewsletterCsv(res);
      res.end();
    } catch (error) {
      // Headers are gone: cut the response so the client sees an incomplete download.
      res.destroy(error as Error);
    }
  });
  return router;
}
