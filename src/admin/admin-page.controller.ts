import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { parseMeterSettings, type MeterSettings } from '../meter/meter.module';
import type { Csrf } from '../http/csrf';
import { fieldErrorsOf } from '../http/validation';
import { plansSchema } from '../billing/billing.module';
import { policyInputSchema, toPolicy } from './admin-policies.controller';
import { defaultFunnelRange, funnelChart, parseFunnelRange } from '../funnel/funnel.module';
import { isStoreOutage } from '../store/store-errors';
import type { Clock } from '../config/clock';
import type { ConsentAdmin, FieldErrors, FunnelReports, MeterSettingsAdmin, PlansAdmin } from './ports';
import { parsePresentationForm, toPresentationForm, type PresentationForm } from './presentation-form';
import type { PresentationService } from './presentation.service';
import { AppError } from '../http/app-error';
import { concurrentChange } from './presentation.controller';
import { parsePlanLines, plansText } from './plan-lines';

const formSchema = z.object({
  anonymousLimit: z.string().default(''),
  registeredLimit: z.string().default(''),
  periodKind: z.string().default(''),
  timeZone: z.string().default(''),
  days: z.string().default(''),
  teaserParagraphs: z.string().default(''),
  onStoreFailure: z.string().default(''),
  // Optional: a form page loaded before the field existed still saves, keeping the value.
  newReadersPerNetwork: z.string().optional(),
  sections: z.string().max(10_000).default(''),
});
type MeterForm = z.infer<typeof formSchema>;

const toNumber = (value: string): unknown => (/^\s*-?\d+\s*$/.test(value) ? Number(value) : value);

/** "section: access" per line, as typed in the form. */
function parseSections(text: string): Record<string, string> | string {
  const sections: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const match = /^\s*([^:\s]+)\s*:\s*(\S+)\s*$/.exec(line);
    if (!match) return `cannot read the line "${line.trim()}": write one "section: access" per line`;
    sections[match[1]!] = match[2]!;
  }
  return sections;
}

function toForm(settings: MeterSettings): MeterForm {
  return {
    anonymousLimit: String(settings.anonymousLimit),
    registeredLimit: String(settings.registeredLimit),
    periodKind: settings.period.kind,
    timeZone: settings.period.kind === 'calendar-month' ? settings.period.timeZone : 'UTC',
    days: settings.period.kind === 'rolling' ? String(settings.period.days) : '30',
    teaserParagraphs: String(settings.teaserParagraphs),
    onStoreFailure: settings.onStoreFailure,
    newReadersPerNetwork: String(settings.newReadersPerNetwork),
    sections: Object.entries(settings.sections).map(([s, a]) => `${s}: ${a}`).join('\n'),
  };
}

export interface AdminPageDeps {
  readonly meterSettings: MeterSettingsAdmin;
  readonly plans: PlansAdmin;
  readonly consent: ConsentAdmin;
  readonly funnel: FunnelReports;
  readonly csrf: Csrf;
  readonly clock: Clock;
  readonly presentation: PresentationService;
  /** IMG_SRC, which a logo's origin must be in. */
  readonly imageSources: readonly string[];
}

/** What one render of the admin page shows besides the meter form. */
interface AdminView {
  readonly errors?: FieldErrors;
  readonly saved?: boolean;
  /** The plans as typed, when they could not be saved; else the stored ones. */
  readonly plansForm?: { text: string; error?: string };
  readonly policyForm?: { values: Record<string, string>; errors: FieldErrors };
  /** The presentation as typed, when it could not be saved; else the stored one. */
  readonly presentationForm?: { values: PresentationForm; errors: FieldErrors };
}

/** The HTML console for the same settings as the API; mounted behind requireAdmin. */
export function adminPageRoutes(deps: AdminPageDeps): Router {
  const { meterSettings, plans, consent, funnel, csrf, clock } = deps;
  const router = Router();

  /** The funnel section: its range from the query (bad dates shown as field errors), and the figures unless their store is down. */
  async function funnelSection(req: Request) {
    const parsed = parseFunnelRange(req.method === 'GET' ? req.query : {}, clock());
    const range = parsed.ok ? parsed.value : defaultFunnelRange(clock());
    // A bad date stays in its field, as typed, beside its error; the figures are the default range's.
    const shown = parsed.ok ? range : { from: String(req.query.from ?? ''), to: String(req.query.to ?? '') };
    const errors = parsed.ok ? {} : parsed.fields;
    try {
      const report = await funnel.report(range);
      return { range: shown, errors, report, chart: funnelChart(report) };
    } catch (error) {
      if (!isStoreOutage(error)) throw error;
      return { range: shown, errors, report: undefined, chart: undefined };
    }
  }

  async function render(req: Request, res: Response, status: number, form: MeterForm, view: AdminView = {}) {
    const { errors = {}, saved = false, plansForm, policyForm = { values: {}, errors: {} }, presentationForm } = view;
    res.status(status).render('admin', {
      title: 'Publisher admin',
      form,
      errors,
      saved,
      savedPlans: req.query.saved === 'plans',
      savedPolicy: req.query.saved === 'policy',
      plansForm: plansForm ?? { text: plansText(await plans.list()) },
      policies: [...(await consent.versions())].reverse(),
      policyForm,
      savedPresentation: req.query.saved === 'presentation',
      presentationForm: presentationForm ?? { values: toPresentationForm((await deps.presentation.reload()).settings), errors: {} },
      funnel: await funnelSection(req),
      csrfToken: csrf.token(req),
    });
  }

  router.post('/policies', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const values = Object.fromEntries(['document', 'version', 'effectiveAt', 'body'].map((k) => [k, typeof body[k] === 'string' ? (body[k] as string) : '']));
    const input = Object.fromEntries(Object.entries(values).filter(([k, v]) => !(k === 'effectiveAt' && v.trim() === '')));
    const parsed = policyInputSchema.safeParse(input);
    const current = toForm((await meterSettings.current()).value);
    if (!parsed.success) {
      return render(req, res, 400, current, { policyForm: { values, errors: fieldErrorsOf(parsed.error) } });
    }
    if (!(await consent.publish(toPolicy(parsed.data, clock())))) {
      return render(req, res, 409, current, { policyForm: { values, errors: { version: 'already exists for this document; versions are never replaced' } } });
    }
    res.redirect(303, '/admin?saved=policy#policies');
  });

  router.get('/', async (req, res) => {
    await render(req, res, 200, toForm((await meterSettings.reload()).value), { saved: req.query.saved === '1' });
  });

  router.post('/plans', async (req, res) => {
    const text = typeof req.body?.plans === 'string' ? (req.body.plans as string).slice(0, 20_000) : '';
    const parsed = plansSchema.safeParse(parsePlanLines(text));
    if (!parsed.success) {
      const error = parsed.error.issues.map((i) => `line ${typeof i.path[0] === 'number' ? i.path[0] + 1 : '?'}: ${String(i.path[1] ?? 'plan')} ${i.message}`).join('; ');
      return render(req, res, 400, toForm((await meterSettings.current()).value), { plansForm: { text, error } });
    }
    await plans.replace(parsed.data);
    res.redirect(303, '/admin?saved=plans');
  });

  router.post('/presentation', async (req, res) => {
    const { form, parsed } = parsePresentationForm(req.body, deps.imageSources);
    const current = toForm((await meterSettings.current()).value);
    if (!parsed.ok) return render(req, res, 400, current, { presentationForm: { values: form, errors: parsed.fields } });
    if ((await deps.presentation.replace(parsed.value)) === undefined) throw new AppError(409, concurrentChange);
    res.redirect(303, '/admin?saved=presentation#presentation');
  });

  router.post('/meter', async (req, res) => {
    const form = formSchema.safeParse(req.body ?? {});
    if (!form.success) return render(req, res, 400, toForm((await meterSettings.current()).value), { errors: { form: 'The form could not be read.' } });
    const f = form.data;
    const sections = parseSections(f.sections);
    // Settings the form does not show are kept as they are.
    const { crawlers, gifts, newReadersPerNetwork } = (await meterSettings.current()).value;
    const candidate = {
      anonymousLimit: toNumber(f.anonymousLimit),
      registeredLimit: toNumber(f.registeredLimit),
      period: f.periodKind === 'rolling' ? { kind: 'rolling', days: toNumber(f.days) } : { kind: f.periodKind, timeZone: f.timeZone.trim() },
      teaserParagraphs: toNumber(f.teaserParagraphs),
      onStoreFailure: f.onStoreFailure,
      newReadersPerNetwork: f.newReadersPerNetwork === undefined ? newReadersPerNetwork : toNumber(f.newReadersPerNetwork),
      crawlers,
      gifts,
      sections: typeof sections === 'string' ? {} : sections,
    };
    const parsed = parseMeterSettings(candidate);
    const errors: FieldErrors = parsed.ok ? {} : { ...parsed.fields };
    if (typeof sections === 'string') errors.sections = sections;
    if (!parsed.ok || typeof sections === 'string') return render(req, res, 400, f, { errors });
    await meterSettings.replace(parsed.value);
    res.redirect(303, '/admin?saved=1');
  });

  return router;
}
