import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../config/clock';
import { dateFormatter, type DateFormatter } from '../http/views';
import { defaultPresentationSettings, presentationSchema, type PresentationSettings } from './presentation-settings';
import type { PresentationRepository } from './presentation.repository';

/** What the pages are rendered with: the settings and what is derived from them once. */
export interface PresentationView {
  readonly settings: PresentationSettings;
  /** The stored document's version (0: never saved). */
  readonly version: number;
  /** `:root { --accent: … }`, served as /gatehouse/presentation.css (the CSP forbids inline styles). */
  readonly css: string;
  /** Its address, with a hash of its text so that browsers may keep it a year. */
  readonly stylesheetHref: string;
  /** The publisher's time zone (IANA), which every reader-facing date is shown in. */
  readonly timeZone: string;
  /** "20 November 2026" in the service's locale and the publisher's time zone. */
  readonly formatDate: DateFormatter;
  /**
   * A date, and a date with its time, in a locale (the LOCALE's, `Messages.dateLocale`) and
   * the publisher's time zone; built once per locale and kept with the view.
   */
  datesIn(locale: string): PresentationDates;
  /** The name the publisher gave a section, else its slug. */
  readonly sectionName: (slug: string) => string;
  /** The sections the publisher ordered, first to last. */
  readonly sectionOrder: readonly string[];
}

export interface PresentationDates {
  /** "20 November 2026", "20. November 2026". */
  readonly formatDate: DateFormatter;
  /** "20 November 2026 at 08:14 CET", "20. November 2026 um 08:14 MEZ". */
  readonly formatDateTime: DateFormatter;
}

function datesFor(locale: string, timeZone: string): PresentationDates {
  const moment = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone, timeZoneName: 'short' });
  return Object.freeze({
    formatDate: dateFormatter({ locale, timeZone }),
    formatDateTime: (value: string | Date) => moment.format(typeof value === 'string' ? new Date(value) : value),
  });
}

export function presentationView(settings: PresentationSettings, version: number, locale: string): PresentationView {
  // A page asks on every request; a handful of locales at most, so the map stays small.
  const dates = new Map<string, PresentationDates>([[locale, datesFor(locale, settings.timeZone)]]);
  const css = `:root { --accent: ${settings.accentColour}; }\n`;
  const names = new Map(settings.sections.map((s) => [s.slug, s.name]));
  return Object.freeze({
    settings,
    version,
    css,
    stylesheetHref: `/gatehouse/presentation.css?v=${createHash('sha256').update(css).digest('hex').slice(0, 12)}`,
    timeZone: settings.timeZone,
    formatDate: dates.get(locale)!.formatDate,
    datesIn(wanted: string): PresentationDates {
      let found = dates.get(wanted);
      if (found === undefined) {
        found = datesFor(wanted, settings.timeZone);
        dates.set(wanted, found);
      }
      return found;
    },
    sectionName: (slug: string) => names.get(slug) ?? slug,
    sectionOrder: settings.sections.map((s) => s.slug),
  });
}

export interface PresentationServiceDeps {
  readonly repository: PresentationRepository;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Dates' locale (a later LOCALE setting passes its own). */
  readonly locale?: string;
  /** How long an instance keeps its copy before reading the database again. */
  readonly ttlMs?: number;
}

/** Within this, a change saved on one instance shows on every other (on its own at once). */
export const presentationTtlMs = 5000;

/**
 * This instance's copy of the presentation settings. Pages read it on every request, so it
 * is kept in memory and read again from the settings table once it is `ttlMs` old: a change
 * on another instance shows within that, without a query per page.
 */
export class PresentationService {
  private cached: { view: PresentationView; loadedAt: number } | undefined;
  private loading: Promise<PresentationView> | undefined;
  private readonly locale: string;
  private readonly ttlMs: number;

  constructor(private readonly deps: PresentationServiceDeps) {
    this.locale = deps.locale ?? 'en-GB';
    this.ttlMs = deps.ttlMs ?? presentationTtlMs;
  }

  /** For a page: never fails; while the database cannot be read, the copy in hand (or the defaults). */
  async current(): Promise<PresentationView> {
    const { cached } = this;
    if (cached !== undefined && this.deps.clock() - cached.loadedAt < this.ttlMs) return cached.view;
    // Requests arriving together share one read.
    this.loading ??= this.reload()
      .catch((error: unknown) => {
        this.deps.logger.warn({ err: error }, 'could not read the presentation settings; using the copy in hand');
        const view = this.cached?.view ?? presentationView(defaultPresentationSettings, 0, this.locale);
        // Tried again after another ttlMs, not on every request while the database is down.
        this.cached = { view, loadedAt: this.deps.clock() };
        return view;
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }

  /** Read afresh (the admin shows what is stored). */
  async reload(): Promise<PresentationView> {
    const stored = await this.deps.repository.get();
    // Unchanged since the last read: the same view (and the same formatter) again. A read that
    // started before this instance saved a newer version must not put the older one back.
    if (this.cached !== undefined && stored !== undefined && stored.version <= this.cached.view.version) {
      this.cached = { view: this.cached.view, loadedAt: this.deps.clock() };
      return this.cached.view;
    }
    // Checked against IMG_SRC when saved; should IMG_SRC shrink later, the CSP still rules.
    const parsed = stored === undefined ? undefined : presentationSchema('any').safeParse(stored.value);
    if (parsed !== undefined && !parsed.success) this.deps.logger.error({ issues: parsed.error.issues }, 'stored presentation settings are invalid; using the defaults');
    const settings = parsed?.success ? parsed.data : defaultPresentationSettings;
    const view = presentationView(settings, stored?.version ?? 0, this.locale);
    this.cached = { view, loadedAt: this.deps.clock() };
    return view;
  }

  /** Saves a checked document; undefined when another admin saved at the same moment. */
  async replace(settings: PresentationSettings): Promise<PresentationView | undefined> {
    const version = await this.deps.repository.put(settings);
    if (version === undefined) return undefined;
    const view = presentationView(settings, version, this.locale);
    this.cached = { view, loadedAt: this.deps.clock() };
    return view;
  }
}
