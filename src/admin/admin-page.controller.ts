import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { parseMeterSettings, type FieldErrors, type MeterSettings } from '../meter/meter-settings';
import type { MeterSettingsService } from '../meter/meter-settings.service';
import type { Csrf } from '../http/csrf';

const formSchema = z.object({
  anonymousLimit: z.string().default(''),
  registeredLimit: z.string().default(''),
  periodKind: z.string().default(''),
  timeZone: z.string().default(''),
  days: z.string().default(''),
  teaserParagraphs: z.string().default(''),
  onStoreFailure: z.string().default(''),
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
    sections: Object.entries(settings.sections).map(([s, a]) => `${s}: ${a}`).join('\n'),
  };
}

/** The HTML console for the same settings as the API; mounted behind requireAdmin. */
export function adminPageRoutes(meterSettings: MeterSettingsService, csrf: Csrf): Router {
  const router = Router();

  function render(req: Request, res: Response, status: number, form: MeterForm, errors: FieldErrors, saved = false) {
    res.status(status).render('admin', { title: 'Publisher admin', form, errors, saved, csrfToken: csrf.token(req) });
  }

  router.get('/', async (req, res) => {
    render(req, res, 200, toForm((await meterSettings.reload()).value), {}, req.query.saved === '1');
  });

  router.post('/meter', async (req, res) => {
    const form = formSchema.safeParse(req.body ?? {});
    if (!form.success) return render(req, res, 400, toForm((await meterSettings.current()).value), { form: 'The form could not be read.' });
    const f = form.data;
    const sections = parseSections(f.sections);
    const candidate = {
      anonymousLimit: toNumber(f.anonymousLimit),
      registeredLimit: toNumber(f.registeredLimit),
      period: f.periodKind === 'rolling' ? { kind: 'rolling', days: toNumber(f.days) } : { kind: f.periodKind, timeZone: f.timeZone.trim() },
      teaserParagraphs: toNumber(f.teaserParagraphs),
      onStoreFailure: f.onStoreFailure,
      sections: typeof sections === 'string' ? {} : sections,
    };
    const parsed = parseMeterSettings(candidate);
    const errors: FieldErrors = parsed.ok ? {} : { ...parsed.fields };
    if (typeof sections === 'string') errors.sections = sections;
    if (!parsed.ok || typeof sections === 'string') return render(req, res, 400, f, errors);
    await meterSettings.replace(parsed.value);
    res.redirect(303, '/admin?saved=1');
  });

  return router;
}
