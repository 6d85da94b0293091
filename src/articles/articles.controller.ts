import { randomBytes } from 'node:crypto';
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { ArticleSource, ArticleSummary } from './article';
import { articlePage } from './article-page';
import { AppError } from '../http/app-error';
import type { GateResult } from '../meter/meter.module';
import type { ArticleGate, PlansForDisplay } from './ports';
import type { Visit, VisitorOf } from './visitor';
import { AnonymousPageCache } from './page-cache';

function groupBySection(articles: readonly ArticleSummary[]): { section: string; articles: ArticleSummary[] }[] {
  const sections = new Map<string, ArticleSummary[]>();
  for (const article of articles) {
    const list = sections.get(article.section) ?? [];
    list.push(article);
    sections.set(article.section, list);
  }
  return [...sections].map(([section, list]) => ({ section, articles: list }));
}

export function setDecisionHeaders(res: Response, result: GateResult): void {
  res.set('X-Access-Decision', result.decision);
  if (result.decision === 'metered' && result.limit !== null) {
    res.set('X-Meter-Limit', String(result.limit));
    if (result.remaining !== null) res.set('X-Meter-Remaining', String(result.remaining));
  }
  if (result.storeUnavailable) res.set('X-Meter-Status', 'unavailable');
  // The page differs per reader: no shared cache may keep it.
  res.set('Cache-Control', 'private, no-store');
  res.vary('Cookie');
}

export interface ArticleRoutesDeps {
  readonly source: ArticleSource;
  readonly gate: ArticleGate;
  readonly visitorOf: VisitorOf;
  readonly publicUrl: URL;
  readonly plans: PlansForDisplay;
  /** Without Stripe keys the paywall offers no checkout. */
  readonly billingConfigured: boolean;
  /** The reader's CSRF token, for the gate's forms (an anonymous reader's lives in a signed cookie). */
  readonly csrfToken: (req: Request) => string;
}

export function articleRoutes(deps: ArticleRoutesDeps): Router {
  const router = Router();
  const { visitorOf } = deps;
  const pages = new AnonymousPageCache();
  // Anonymous pages are kept rendered, but the gate's forms carry each reader's own CSRF
  // token: the kept page holds this mark in its place. Random, so no article can contain it.
  const tokenMark = `gatehouse-csrf-${randomBytes(12).toString('hex')}`;
  // A link preview (mode 'preview') gets no token: it posts nothing, and is given no cookie.
  const withToken = (req: Request, html: string, visit: Visit) => (html.includes(tokenMark) ? html.replaceAll(tokenMark, visit.mode === 'preview' ? '' : deps.csrfToken(req)) : html);

  router.get('/', async (_req, res) => {
    res.render('home', { title: undefined, sections: groupBySection(await deps.source.list()) });
  });

  router.get('/sections/:section', async (req, res) => {
    const articles = (await deps.source.list()).filter((a) => a.section === req.params.section);
    if (articles.length === 0) throw new AppError(404, 'There is no section at this address.');
    res.render('section', { title: req.params.section, section: req.params.section, articles });
  });

  router.get('/articles/:slug', async (req: Request, res: Response, next: NextFunction) => {
    const article = await deps.source.get(req.params.slug as string);
    if (article === undefined) throw new AppError(404, 'There is no article at this address. It may have been moved or unpublished.');
    // Express runs this handler for HEAD too: a HEAD is a peek, answering the decision a
    // GET would get now, with no body, counting nothing and issuing no reader id.
    const peek = req.method === 'HEAD';
    const visit = await visitorOf(req, res, peek ? 'preview' : 'count', article);
    const result = await deps.gate.decide(article, visit.reader, visit.mode);
    setDecisionHeaders(res, result);
    if (peek) return res.type('html').end();
    const plans = result.decision === 'paywall' ? await deps.plans.listForDisplay() : [];
    // Everything an anonymous reader's page varies by, beside the settings and the article.
    // Only the article's own address is kept: query strings would let anyone fill memory.
    const variant = req.user === undefined && req.originalUrl === `/articles/${article.slug}` ? JSON.stringify([result.decision, result.limit, result.remaining, result.storeUnavailable, req.originalUrl, plans]) : undefined;
    const cached = variant === undefined ? undefined : pages.get(result.settings, article, variant);
    if (cached !== undefined) return res.type('html').send(withToken(req, cached, visit));
    const url = new URL(`/articles/${article.slug}`, deps.publicUrl).href;
    const page = articlePage(article, result, url);
    const anonymousGate = page.gate !== undefined && req.user === undefined;
    const model = { title: article.title, description: article.summary, article, ...page, billingConfigured: deps.billingConfigured, plans, returnTo: `/articles/${article.slug}`, ...(anonymousGate ? { csrfToken: tokenMark } : {}) };
    res.render('article', model, (error: Error | null, html?: string) => {
      if (error) return next(error);
      if (variant !== undefined) pages.set(result.settings, article, variant, html!);
      res.send(withToken(req, html!, visit));
    });
  });

  return router;
}
