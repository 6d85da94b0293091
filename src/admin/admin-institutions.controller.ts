import { Router, type Request, type Response } from 'express';
import { AppError } from '../http/app-error';
import { sendFieldErrors } from '../http/validation';
import { monthPattern, parseInstitutions, type Institution, type InstitutionsAdmin } from '../institutions/institutions.module';
import type { Csrf } from '../http/csrf';
import { isStoreOutage } from '../store/store-errors';

export const institutionsConcurrentChange = 'The institutions were changed by someone else at the same moment: load them again and retry.';

/** `?month=YYYY-MM`, else the month in progress; undefined for anything else. */
function monthFrom(value: unknown, admin: InstitutionsAdmin): string | undefined {
  if (value === undefined || value === '') return admin.thisMonth();
  return typeof value === 'string' && monthPattern.test(value) ? value : undefined;
}

/** `GET/PUT /admin/api/institutions` and `GET /admin/api/institutions/readers?month=YYYY-MM`; mounted behind requireAdmin. */
export function adminInstitutionsApiRoutes(admin: InstitutionsAdmin): Router {
  const router = Router();
  router.get('/institutions', async (_req, res) => {
    res.set('Cache-Control', 'no-store');
    res.json(await admin.list());
  });
  router.put('/institutions', async (req, res) => {
    const parsed = parseInstitutions(req.body);
    if (!parsed.ok) return sendFieldErrors(res, 'institutions', parsed.fields);
    const saved = await admin.replace(parsed.value);
    if (saved === undefined) throw new AppError(409, institutionsConcurrentChange);
    res.json(saved);
  });
  router.get('/institutions/readers', async (req, res) => {
    const month = monthFrom(req.query.month, admin);
    if (month === undefined) return sendFieldErrors(res, 'month', { month: 'must be a month as YYYY-MM, like 2026-11' });
    res.set('Cache-Control', 'no-store');
    res.json((await admin.readersIn(month)).institutions);
  });
  return router;
}

/** What views/admin-institutions.eta shows. */
export interface InstitutionsSection {
  /** The list as JSON, as stored or as typed. */
  readonly text: string;
  /** One message per bad field, by its path ("0.ipRanges.1"). */
  readonly errors: Record<string, string>;
  readonly saved: boolean;
  readonly month: string;
  readonly monthError?: string;
  /** Undefined while the figures' store cannot be reached. */
  readonly readers: Awaited<ReturnType<InstitutionsAdmin['readersIn']>> | undefined;
}

const pretty = (institutions: readonly Institution[]) => JSON.stringify(institutions, null, 2);

async function figures(admin: InstitutionsAdmin, month: string): Promise<InstitutionsSection['readers']> {
  try {
    return await admin.readersIn(month);
  } catch (error) {
    if (!isStoreOutage(error)) throw error;
    return undefined;
  }
}

/**
 * The console's institutions section. The admin page (admin-page.controller) renders the
 * whole console; this puts the section's model in `res.locals` for it on `GET /admin`, and
 * answers the section's own form. A list that cannot be saved comes back as typed with
 * each bad field named, on a page of this section alone.
 */
export function adminInstitutionsPageRoutes(deps: { readonly admin: InstitutionsAdmin; readonly csrf: Csrf }): Router {
  const { admin, csrf } = deps;
  const router = Router();

  async function section(req: Request, text: string | undefined, errors: Record<string, string>): Promise<InstitutionsSection> {
    const asked = req.method === 'GET' ? req.query.institutionsMonth : undefined;
    const chosen = monthFrom(asked, admin);
    const month = chosen ?? admin.thisMonth();
    return {
      text: text ?? pretty(await admin.list()),
      errors,
      saved: req.query.saved === 'institutions',
      month: chosen === undefined ? String(asked) : month,
      ...(chosen === undefined ? { monthError: 'must be a month as YYYY-MM, like 2026-11' } : {}),
      readers: await figures(admin, month),
    };
  }

  router.get('/', async (req, res, next) => {
    res.locals.institutionsSection = await section(req, undefined, {});
    next();
  });

  router.post('/institutions', async (req: Request, res: Response) => {
    const text = typeof req.body?.institutions === 'string' ? (req.body.institutions as string) : '';
    let input: unknown;
    try {
      input = JSON.parse(text.trim() === '' ? '[]' : text);
    } catch (error) {
      return renderErrors(req, res, text, { json: `is not valid JSON: ${(error as Error).message}` });
    }
    const parsed = parseInstitutions(input);
    if (!parsed.ok) return renderErrors(req, res, text, parsed.fields);
    if ((await admin.replace(parsed.value)) === undefined) throw new AppError(409, institutionsConcurrentChange);
    res.redirect(303, '/admin?saved=institutions#institutions');
  });

  async function renderErrors(req: Request, res: Response, text: string, errors: Record<string, string>) {
    res.status(400).render('admin-institutions', { title: 'Institutions', standalone: true, institutionsSection: await section(req, text, errors), csrfToken: csrf.token(req) });
  }

  return router;
}
