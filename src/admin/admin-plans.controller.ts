import { Router } from 'express';
import { plansSchema, type PlansService } from '../billing/plans';

/** GET/PUT /admin/api/plans (SPEC section 9); mounted behind requireAdmin. */
export function adminPlansApiRoutes(plans: PlansService): Router {
  const router = Router();
  router.get('/plans', async (_req, res) => {
    res.set('Cache-Control', 'no-store');
    res.json(await plans.list());
  });
  router.put('/plans', async (req, res) => {
    const parsed = plansSchema.safeParse(req.body);
    if (!parsed.success) {
      const fields: Record<string, string> = {};
      for (const issue of parsed.error.issues) fields[issue.path.join('.') || 'body'] ??= issue.message;
      res.status(400).json({ error: `Invalid plans: ${Object.keys(fields).join(', ')}`, fields });
      return;
    }
    res.json(await plans.replace(parsed.data));
  });
  return router;
}
