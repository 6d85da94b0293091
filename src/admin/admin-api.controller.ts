import { Router } from 'express';
import { parseMeterSettings } from '../meter/meter.module';
import { sendFieldErrors } from '../http/validation';
import { parseFunnelRange } from '../funnel/funnel.module';
import type { Clock } from '../config/clock';
import type { FunnelReports, MeterSettingsAdmin } from './ports';

/** The JSON admin API (SPEC section 9); mounted behind requireAdmin. */
export function adminApiRoutes(meterSettings: MeterSettingsAdmin, funnel: FunnelReports, clock: Clock): Router {
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

  router.get('/funnel', async (req, res) => {
    const range = parseFunnelRange(req.query, clock());
    if (!range.ok) return sendFieldErrors(res, 'funnel range', range.fields);
    res.set('Cache-Control', 'no-store');
    res.json(await funnel.report(range.value));
  });

  return router;
}
