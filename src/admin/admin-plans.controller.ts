import { Router } from 'express';
import { plansSchema } from '../billing/billing.module';
import type { PlansAdmin } from './ports';
import { fieldErrorsOf, sendFieldErrors } from '../http/validation';

/** GET/PUT /admin/api/plans (SPEC section 9); mounted behind requireAdmin. */
export function adminPlansApiRoutes(plans: PlansAdmin): Router {
  const router = Router();
  router.get('/plans', async (_req, res) => {
    res.set('Cache-Control', 'no-store');
    res.json(await plans.list());
  });
  router.put('/plans', async (req, res) => {
    const parsed = plansSchema.safeParse(req.body);
    if (!parsed.success) return sendFieldErrors(res, 'plans', fieldErrorsOf(parsed.error));
    res.json(await plans.replace(parsed.data));
  });
  return router;
}
