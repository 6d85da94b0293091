import path from 'node:path';
import type { Express } from 'express';
import { Eta } from 'eta';

const longDate = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

/**
 * "20 November 2026" for a date or ISO timestamp. One formatter for every page: building an
 * Intl.DateTimeFormat (which `toLocaleDateString` does on each call) costs ~40 µs a view.
 */
export function formatDate(value: string | Date): string {
  return longDate.format(typeof value === 'string' ? new Date(value) : value);
}

/** Eta escapes every `<%= %>` by default; only `<%~ %>` writes raw, used for rendered Markdown. */
export function useEtaViews(app: Express, viewsDir: string, cache: boolean): void {
  app.locals.formatDate = formatDate;
  const eta = new Eta({ views: viewsDir, cache, autoEscape: true, autoTrim: [false, 'nl'] });
  app.engine('eta', (filePath: string, data: object, callback: (e: unknown, html?: string) => void) => {
    try {
      callback(null, eta.render(`./${path.relative(viewsDir, filePath).replace(/\.eta$/, '')}`, data));
    } catch (error) {
      callback(error);
    }
  });
  app.set('views', viewsDir);
  app.set('view engine', 'eta');
}
