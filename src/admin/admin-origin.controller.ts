import { Router } from 'express';
import { z } from 'zod';
import { fieldErrorsOf, sendFieldErrors } from '../http/validation';
import type { OriginPurge } from './ports';

const purgeBody = z.union([
  z.object({ paths: z.array(z.string().startsWith('/', 'each path must start with /').max(2048)).min(1, 'give at least one path').max(1000) }).strict(),
  z.object({ all: z.literal(true) }).strict(),
], { error: 'must be {"paths": ["/a/path/"]} or {"all": true}' });

/** `POST /admin/api/origin/purge`: drops cached origin pages on every instance (SPEC section 11). */
export function adminOriginRoutes(origin: OriginPurge | undefined): Router {
  const router = Router();
  router.post('/origin/purge', async (req, res) => {
    if (origin === undefined) return res.status(404).json({ error: 'There is no origin to purge: ORIGIN_URL is not set.' });
    const parsed = purgeBody.safeParse(req.body);
    if (!parsed.success) return sendFieldErrors(res, 'purge request', fieldErrorsOf(parsed.error));
    await origin.purge('all' in parsed.data ? { all: true } : { paths: parsed.data.paths });
    res.json({ purged: 'all' in parsed.data ? 'all' : parsed.data.paths });
  });
  return router;
}
