import { z } from 'zod';
import { documentFieldErrorsOf } from '../http/validation';

/**
 * The publication's look, set in the admin (issue 16): a logo, the accent colour, the
 * sections' names and order, and the time zone dates are shown in. One settings document,
 * replaced whole.
 */
export interface PresentationSettings {
  /** An https URL (on an IMG_SRC origin) or a path on this site; null: the site name as text. */
  readonly logoUrl: string | null;
  /** `#rrggbb`, lower-case; buttons put white text on it. */
  readonly accentColour: string;
  /** The sections to show first, in this order, with their names; others follow by slug. */
  readonly sections: readonly { readonly slug: string; readonly name: string }[];
  /** IANA; dates shown to readers are in it. */
  readonly timeZone: string;
}

export const defaultPresentationSettings: PresentationSettings = Object.freeze({
  logoUrl: null,
  accentColour: '#0b5394',
  sections: Object.freeze([]) as PresentationSettings['sections'],
  timeZone: 'UTC',
});

/** White text on a button needs 4.5:1 (WCAG 2.2 SC 1.4.3, normal-size text). */
export const minimumContrast = 4.5;

function relativeLuminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const channel = parseInt(hex.slice(i, i + 2), 16) / 255;
    return channel <= 0.04045 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

/** WCAG's contrast ratio of two `#rrggbb` colours, from 1 to 21. */
export function contrastRatio(a: string, b: string): number {
  const [light, dark] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x);
  return (light! + 0.05) / (dark! + 0.05);
}

/** The page's background (site.css's --paper): links are the accent on it. */
const paper = '#fdfcf9';

/** Why a colour cannot be the accent, or undefined when it can. */
function accentProblem(colour: string): string | undefined {
  const shown = (ratio: number) => `${(Math.floor(ratio * 100) / 100).toFixed(2)}:1`;
  const onWhite = contrastRatio(colour, '#ffffff');
  if (onWhite < minimumContrast) return `has a contrast of ${shown(onWhite)} with white; buttons put white text on it, which needs at least ${minimumContrast}:1: choose a darker colour`;
  const onPaper = contrastRatio(colour, paper);
  if (onPaper < minimumContrast) return `has a contrast of ${shown(onPaper)} with the page's background (${paper}), where links are written in it; at least ${minimumContrast}:1 is needed: choose a darker colour`;
  return undefined;
}

/** The canonical name of an IANA time zone, or undefined when Intl does not know it. */
function canonicalTimeZone(value: string): string | undefined {
  try {
    return new Intl.DateTimeFormat('en-GB', { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/**
 * A picture of this site's own: under the theme's assets or the bundled static files only,
 * never a page (a logo at /articles/… would be an article view on every page, /signout a
 * sign-out). No spaces, backslashes, dot segments, queries or percent-encoding.
 */
const sitePath = /^\/(?:static|gatehouse)\/[^\s\\?#%]+$/i;
const dotSegment = /(^|\/)\.{1,2}(\/|$)/;

/** IMG_SRC's origins; 'any' when reading back a document checked at its save. */
export type LogoOrigins = readonly string[] | 'any';

function logoProblem(value: string, imageSources: LogoOrigins): string | undefined {
  if (sitePath.test(value) && !dotSegment.test(value)) return undefined;
  if (value.startsWith('/')) return 'must be a picture under /gatehouse/theme/ (THEME_DIR/assets) or /static/, or an https:// URL';
  if (!URL.canParse(value) || new URL(value).protocol !== 'https:') return 'must be an https:// URL or a path on this site such as /gatehouse/theme/logo.svg';
  const url = new URL(value);
  if (url.username !== '' || url.password !== '') return 'must not carry a user name or password';
  const origin = url.origin;
  if (imageSources !== 'any' && !imageSources.includes(origin)) return `is on ${origin}, which the pages' Content-Security-Policy does not allow: add ${origin} to IMG_SRC first`;
  return undefined;
}

const slug = z.string({ error: 'must be a section slug' }).regex(/^[a-z0-9][a-z0-9-]{0,127}$/, 'must be lower-case letters, digits and hyphens (the slug in the articles\' front matter)');

/** The document's schema; the logo's CSP rule depends on IMG_SRC, so it is built per instance. */
export function presentationSchema(imageSources: LogoOrigins) {
  return z
    .object({
      logoUrl: z
        .string({ error: 'must be a URL, a path on this site, or null for no logo' })
        .trim()
        .max(2000, 'must be at most 2000 characters')
        .nullable()
        .transform((value) => (value === '' ? null : value))
        .superRefine((value, ctx) => {
          const problem = value === null ? undefined : logoProblem(value, imageSources);
          if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
        }),
      accentColour: z
        .string({ error: 'must be a colour written #rrggbb' })
        .trim()
        .regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour written #rrggbb, such as #0b5394')
        .transform((value) => value.toLowerCase())
        .superRefine((value, ctx) => {
          const problem = accentProblem(value);
          if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
        }),
      sections: z
        .array(
          z.object({ slug, name: z.string({ error: 'must be the name to show' }).trim().min(1, 'must not be empty').max(80, 'must be at most 80 characters') }, { error: 'must be {"slug": …, "name": …}' }).strict(),
          { error: 'must be a list of {"slug": …, "name": …} in the order to show' },
        )
        .max(200, 'must list at most 200 sections')
        .superRefine((list, ctx) => {
          const seen = new Set<string>();
          list.forEach((section, i) => {
            if (seen.has(section.slug)) ctx.addIssue({ code: 'custom', path: [i, 'slug'], message: `lists "${section.slug}" twice` });
            seen.add(section.slug);
          });
        }),
      timeZone: z
        .string({ error: 'must be an IANA time zone such as Europe/Paris' })
        .trim()
        .transform((value, ctx) => {
          const zone = value === '' ? undefined : canonicalTimeZone(value);
          if (zone === undefined) {
            ctx.addIssue({ code: 'custom', message: 'must be an IANA time zone such as Europe/Paris' });
            return z.NEVER;
          }
          return zone;
        }),
    }, { error: 'must be {"logoUrl": …, "accentColour": …, "sections": […], "timeZone": …}' })
    .strict();
}

export type PresentationParse = { ok: true; value: PresentationSettings } | { ok: false; fields: Record<string, string> };

/** A whole document; on failure, one message per bad field (dotted path: `sections.1.slug`). */
export function parsePresentationSettings(input: unknown, imageSources: LogoOrigins): PresentationParse {
  const result = presentationSchema(imageSources).safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, fields: documentFieldErrorsOf(result.error, input, 'is not a presentation setting') };
}
