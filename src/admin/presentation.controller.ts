import { Router, type RequestHandler } from 'express';
import { AppError } from '../http/app-error';
import { sendFieldErrors } from '../http/validation';
import { parsePresentationSettings } from './presentation-settings';
import type { PresentationService } from './presentation.service';

export const concurrentChange = 'The presentation settings were changed by someone else at the same moment: load them again and retry.';

/** `GET/PUT /admin/api/presentation` (SPEC section 9's rules); mounted behind requireAdmin. */
export function presentationApiRoutes(presentation: PresentationService, imageSources: readonly string[]): Router {
  const router = Router();
  router.get('/presentation', async (_req, res) => {
    res.set('Cache-Control', 'no-store');
    res.json((await presentation.reload()).settings);
  });
  router.put('/presentation', async (req, res) => {
    const parsed = parsePresentationSettings(req.body, imageSources);
    if (!parsed.ok) return sendFieldErrors(res, 'presentation settings', parsed.fields);
    const saved = await presentation.replace(parsed.value);
    if (saved === undefined) throw new AppError(409, concurrentChange);
    res.json(saved.settings);
  });
  return router;
}

/** `/gatehouse/presentation.css`: the accent as a custom property, from the settings in force. */
export function presentationAssets(presentation: PresentationService): Router {
  const router = Router();
  router.get('/gatehouse/presentation.css', async (req, res) => {
    const view = await presentation.current();
    // The address names the text's hash: once it is the current one, it never changes.
    const current = req.query.v === new URL(view.stylesheetHref, 'http://x').searchParams.get('v');
    res.set('Cache-Control', current ? 'public, max-age=31536000, immutable' : 'no-cache');
    res.type('text/css').send(view.css);
  });
  return router;
}

/**
 * Gives every page the presentation in force: its stylesheet, logo, section names, and dates
 * in the publisher's time zone, in the LOCALE's date locale (`app.locals.dateLocale`, which
 * useMessages sets from the catalog).
 */
export function presentationLocals(presentation: PresentationService): RequestHandler {
  return async (req, res, next) => {
    const view = await presentation.current();
    const locale = req.app.locals.dateLocale as unknown;
    const dates = typeof locale === 'string' ? view.datesIn(locale) : { formatDate: view.formatDate, formatDateTime: undefined };
    res.locals.presentation = view;
    res.locals.formatDate = dates.formatDate;
    if (dates.formatDateTime !== undefined) res.locals.formatDateTime = dates.formatDateTime;
    res.locals.sectionName = view.sectionName;
    next();
  };
}
