import { Router } from 'express';
import { z } from 'zod';
import { policyDocuments, type Policy } from '../consent/consent.module';
import type { Clock } from '../config/clock';
import type { ConsentAdmin } from './ports';
import { fieldErrorsOf, sendFieldErrors } from '../http/validation';

export const policyInputSchema = z
  .object({
    document: z.enum(policyDocuments, { error: 'must be "terms" or "privacy"' }),
    version: z.string({ error: 'is required' }).trim().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1-64 letters, digits, dots, dashes or underscores'),
    body: z.string({ error: 'is required' }).min(1, 'is required').max(200_000, 'must be at most 200000 characters'),
    effectiveAt: z.iso.datetime({ offset: true, error: 'must be an ISO-8601 date and time, e.g. 2027-01-01T00:00:00Z' }).optional(),
  })
  .strict();

/** A version without a date takes effect now. */
export function toPolicy(input: z.infer<typeof policyInputSchema>, nowMs: number): Policy {
  return { document: input.document, version: input.version, body: input.body, effectiveAt: new Date(input.effectiveAt ?? nowMs).toISOString() };
}

/** GET/POST /admin/api/policies (SPEC section 9); mounted behind requireAdmin. */
export function adminPoliciesApiRoutes(consent: ConsentAdmin, clock: Clock): Router {
  const router = Router();
  router.get('/policies', async (_req, res) => {
    res.set('Cache-Control', 'no-store');
    res.json(await consent.versions());
  });
  router.post('/policies', async (req, res) => {
    const parsed = policyInputSchema.safeParse(req.body);
    if (!parsed.success) return sendFieldErrors(res, 'policy', fieldErrorsOf(parsed.error));
    const policy = toPolicy(parsed.data, clock());
    if (!(await consent.publish(policy))) {
      res.status(409).json({ error: `${policy.document} already has a version "${policy.version}"; versions are never replaced.` });
      return;
    }
    res.status(201).json(policy);
  });
  return router;
}
