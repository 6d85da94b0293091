import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import express, { Router, type Express } from 'express';
import { Eta } from 'eta';

export type DateFormatter = (value: string | Date) => string;

/**
 * "20 November 2026" for a date or ISO timestamp, in a locale and time zone. Build one per
 * setting and keep it: building an Intl.DateTimeFormat (which `toLocaleDateString` does on
 * each call) costs ~40 µs a view.
 */
export function dateFormatter(options: { readonly locale?: string; readonly timeZone?: string } = {}): DateFormatter {
  const format = new Intl.DateTimeFormat(options.locale ?? 'en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: options.timeZone ?? 'UTC' });
  return (value) => format.format(typeof value === 'string' ? new Date(value) : value);
}

/** The default: en-GB in UTC, for pages and mails made outside a request. */
export const formatDate: DateFormatter = dateFormatter();

/** A template's name relative to its views folder (`admin`, `partials/card`), or undefined if it leaves it. */
function inside(name: string): string | undefined {
  const normal = path.posix.normalize(name.replace(/\\/g, '/').replace(/^\/+/, ''));
  return normal === '' || normal === '.' || normal.startsWith('../') || normal === '..' || path.posix.isAbsolute(normal) ? undefined : normal;
}

/**
 * Each template from THEME_DIR when it has one of that name, else the bundled one: a
 * publisher overrides `layout.eta` and keeps every other page, upgrades included. Includes
 * resolve the same way from either folder, so a themed page may include a bundled partial
 * and the reverse. Names that would leave the folders are refused.
 */
class ThemedEta extends Eta {
  private readonly found = new Map<string, string>();

  constructor(
    private readonly folders: { readonly viewsDir: string; readonly themeDir: string | undefined; readonly cache: boolean },
  ) {
    super({ views: folders.viewsDir, cache: folders.cache, autoEscape: true, autoTrim: [false, 'nl'] });
  }

  /** The name of a template under whichever folder holds it. */
  nameOf(file: string): string {
    const { viewsDir, themeDir } = this.folders;
    const root = themeDir !== undefined && !path.relative(themeDir, file).startsWith('..') ? themeDir : viewsDir;
    return path.relative(root, file).split(path.sep).join('/');
  }

  override resolvePath = (template: string, options?: { filepath?: string }): string => {
    const withExtension = path.extname(template) === '' ? `${template}.eta` : template;
    // `./x` from a template means x beside it, in the same logical folder of either root.
    const from = options?.filepath === undefined || /^[\\/]/.test(withExtension) ? '' : path.posix.dirname(this.nameOf(options.filepath));
    const name = inside(path.posix.join(from, withExtension.replace(/\\/g, '/')));
    if (name === undefined) throw new Error(`Template '${template}' is not in the views folder`);
    const known = this.found.get(name);
    if (known !== undefined) return known;
    const { viewsDir, themeDir, cache } = this.folders;
    const themed = themeDir === undefined || bundledOnly.has(name) ? undefined : path.join(themeDir, name);
    const file = themed !== undefined && fs.existsSync(themed) && realpathWithin(themeDir!, themed) ? themed : path.join(viewsDir, name);
    // Without the cache (development), a template added to THEME_DIR shows on the next view.
    if (cache) this.found.set(name, file);
    return file;
  };
}

/**
 * Templates a theme cannot replace: they show the consent wording, which consent records
 * store as shown (the catalog's), so what a reader agrees to is always what was recorded.
 */
const bundledOnly = new Set(['consent-line.eta', 'reaccept.eta']);

/** Whether `file`, symbolic links followed, is inside `root`: a theme's link cannot reach out of it. */
function realpathWithin(root: string, file: string): boolean {
  try {
    const relative = path.relative(fs.realpathSync(root), fs.realpathSync(file));
    return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
  } catch {
    return false;
  }
}

/** `/gatehouse/theme.css?v=<its hash>`, when THEME_DIR has one. */
export function themeStylesheetHref(themeDir: string | undefined): string | undefined {
  if (themeDir === undefined) return undefined;
  const file = path.join(themeDir, 'theme.css');
  if (!fs.existsSync(file)) return undefined;
  return `/gatehouse/theme.css?v=${createHash('sha256').update(fs.readFileSync(file)).digest('hex').slice(0, 12)}`;
}

export interface ViewsOptions {
  readonly viewsDir: string;
  /** THEME_DIR: templates and a theme.css that override the bundled ones by name. */
  readonly themeDir: string | undefined;
  /** Production: templates compiled once and kept. */
  readonly cache: boolean;
}

/**
 * Eta escapes every `<%= %>` by default; only `<%~ %>` writes raw, used for rendered Markdown.
 * Answers the router that serves THEME_DIR's theme.css at /gatehouse/theme.css and its
 * assets/ folder at /gatehouse/theme/ (nothing else of it: templates are not for readers).
 */
export function useEtaViews(app: Express, options: ViewsOptions): Router {
  const { viewsDir, themeDir, cache } = options;
  app.locals.formatDate = formatDate;
  app.locals.sectionName = (slug: string) => slug;
  const stylesheet = themeStylesheetHref(themeDir);
  app.locals.themeStylesheet = stylesheet;
  const eta = new ThemedEta({ viewsDir, themeDir, cache });
  app.engine('eta', (filePath: string, data: object, callback: (e: unknown, html?: string) => void) => {
    try {
      callback(null, eta.render(`/${eta.nameOf(filePath).replace(/\.eta$/, '')}`, data));
    } catch (error) {
      callback(error);
    }
  });
  // Express finds a view in the first folder that has it.
  app.set('views', themeDir === undefined ? viewsDir : [themeDir, viewsDir]);
  app.set('view engine', 'eta');
  const assets = Router();
  if (themeDir !== undefined) {
    // THEME_DIR/assets: the logo, pictures and fonts theme.css refers to (the CSP allows 'self').
    const assetsDir = path.join(themeDir, 'assets');
    const files = express.static(assetsDir, { dotfiles: 'ignore', index: false, redirect: false, maxAge: cache ? '1d' : 0 });
    assets.use('/gatehouse/theme', (req, res, next) => {
      let wanted: string;
      try {
        wanted = path.join(assetsDir, decodeURIComponent(req.path));
      } catch {
        return next();
      }
      // express.static follows links: a file that resolves outside assets/ is not served.
      if (fs.existsSync(wanted) && !realpathWithin(assetsDir, wanted)) return next();
      files(req, res, next);
    });
  }
  if (stylesheet !== undefined) {
    const file = path.join(themeDir!, 'theme.css');
    const version = new URL(stylesheet, 'http://x').searchParams.get('v');
    // Its address carries its hash, so a year is safe once that is the current one.
    assets.get('/gatehouse/theme.css', (req, res) => {
      res.set('Cache-Control', cache && req.query.v === version ? 'public, max-age=31536000, immutable' : 'no-cache');
      res.sendFile(file);
    });
  }
  return assets;
}
