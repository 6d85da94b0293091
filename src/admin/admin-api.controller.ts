import { Router } from 'express';
import { parseMeterSettings } from '../meter/meter-settings';
import type { MeterSettingsService } from '../meter/meter-settings.service';
import { sendFieldErrors } from '../http/validation';

/** The JSON admin API (SPEC section 9); mounted behind requireAdmin. */
export function adminApiRoutes(meterSettings: MeterSettingsService): Router {
  const router = Router();

  router.get('/meter', async (_req, res) => {
    res.set('Cache-Control', 'no-store');
    res.json((await meterSettings.reload()).value);
  });

  router.put('/meter', async (req, res) => {
    const parsed = parseMeterSettings(req.body);
    if (!parsed.ok) return sendFieldErrors(res, 'meter settings', parsed.fields);
    res.json((await meterSettings.replace(parsed.value)).value);
  });

  return router;
}
