import path from 'node:path';
import type { Express } from 'express';
import { Eta } from 'eta';

/** Eta escapes every `<%= %>` by default; only `<%~ %>` writes raw, used for rendered Markdown. */
export function useEtaViews(app: Express, viewsDir: string, cache: boolean): void {
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
