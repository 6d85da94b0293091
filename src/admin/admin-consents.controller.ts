import { Router } from 'express';
import { exportFilterSchema } from '../consent/consent.module';
import type { ConsentAdmin } from './ports';
import { fieldErrorsOf, sendFieldErrors } from '../http/validation';

/** GET /admin/api/consents.csv?document=&from=&to= (SPEC section 7); mounted behind requireAdmin. */
export function adminConsentsRoutes(consent: Pick<ConsentAdmin, 'exportCsv'>): Router {
  const router = Router();
  router.get('/consents.csv', async (req, res) => {
    // An empty field from the admin form means "no filter".
    const query = Object.fromEntries(Object.entries(req.query).filter(([, v]) => v !== ''));
    const filter = exportFilterSchema.safeParse(query);
    if (!filter.success) return sendFieldErrors(res, 'filter', fieldErrorsOf(filter.error));
    res.status(200);
    res.set({ 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': 'attachment; filename="consents.csv"', 'Cache-Control': 'no-store' });
    try {
      await consent.exportCsv(filter.data, res);
      res.end();
    } catch (error) {
      // Headers are gone: cut the response so the client sees an incomplete download.
      res.destroy(error as Error);
    }
  });
  return router;
}
