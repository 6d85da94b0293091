import { z } from 'zod';
import { parsePresentationSettings, type PresentationParse, type PresentationSettings } from './presentation-settings';

/** The admin page's presentation form, as typed. */
export interface PresentationForm {
  readonly logoUrl: string;
  readonly accentColour: string;
  /** One "slug: Name" per line, in the order to show. */
  readonly sections: string;
  readonly timeZone: string;
}

const formSchema = z.object({
  logoUrl: z.string().max(2000).default(''),
  accentColour: z.string().max(100).default(''),
  sections: z.string().max(20_000).default(''),
  timeZone: z.string().max(100).default(''),
});

export function toPresentationForm(settings: PresentationSettings): PresentationForm {
  return {
    logoUrl: settings.logoUrl ?? '',
    accentColour: settings.accentColour,
    sections: settings.sections.map((s) => `${s.slug}: ${s.name}`).join('\n'),
    timeZone: settings.timeZone,
  };
}

/** Field errors as the form shows them: a section's by its line ("line 2: slug must be …"). */
function formErrors(fields: Record<string, string>, lineOf: readonly number[]): Record<string, string> {
  const errors: Record<string, string> = {};
  const lines: string[] = [];
  for (const [path, message] of Object.entries(fields)) {
    const line = /^sections\.(\d+)\.(slug|name)$/.exec(path);
    if (line) lines.push(`line ${lineOf[Number(line[1])] ?? Number(line[1]) + 1}: ${line[2] === 'slug' ? 'the slug' : 'the name'} ${message}`);
    else errors[path.startsWith('sections') ? 'sections' : path] = message;
  }
  if (lines.length > 0) errors.sections = [errors.sections, ...lines].filter(Boolean).join('; ');
  return errors;
}

/** The form's fields to a whole settings document, checked by the API's own rules. */
export function parsePresentationForm(body: unknown, imageSources: readonly string[]): { form: PresentationForm; parsed: PresentationParse } {
  const read = formSchema.safeParse(body ?? {});
  const form: PresentationForm = read.success ? read.data : { logoUrl: '', accentColour: '', sections: '', timeZone: '' };
  if (!read.success) return { form, parsed: { ok: false, fields: { form: 'The form could not be read.' } } };
  const sections: { slug: string; name: string }[] = [];
  const lineOf: number[] = [];
  const unreadable: string[] = [];
  for (const [i, line] of form.sections.split(/\r?\n/).entries()) {
    if (line.trim() === '') continue;
    const match = /^\s*([^:]*?)\s*:\s*(.*?)\s*$/.exec(line);
    if (!match) {
      unreadable.push(`cannot read line ${i + 1} ("${line.trim().slice(0, 80)}"): write one "slug: Name" per line`);
      continue;
    }
    sections.push({ slug: match[1]!, name: match[2]! });
    lineOf.push(i + 1);
  }
  const parsed = parsePresentationSettings({ logoUrl: form.logoUrl.trim() === '' ? null : form.logoUrl, accentColour: form.accentColour, sections, timeZone: form.timeZone }, imageSources);
  if (parsed.ok && unreadable.length === 0) return { form, parsed };
  // Every problem at once: the lines that could not be read beside the fields' own.
  const fields = parsed.ok ? {} : formErrors(parsed.fields, lineOf);
  if (unreadable.length > 0) fields.sections = [...unreadable, fields.sections].filter(Boolean).join('; ');
  return { form, parsed: { ok: false, fields } };
}
