import { randomBytes } from 'node:crypto';
import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { ArticleSource, ArticleSummary } from './article';
import { articlePage } from './article-page';
import { AppError } from '../http/app-error';
import type { GateResult } from '../meter/meter.module';
import type { ArticleGate, PlansForDisplay } from './ports';
import type { Visit, VisitorOf } from './visitor';
import { ArticlePageCache, keptPage, type KeptPage } from './page-cache';

/** The sections' names and order the publisher set (res.locals.presentation, from the admin). */
interface ShownSections {
  readonly sectionName: (slug: string) => string;
  readonly sectionOrder: readonly string[];
}

const bySlug: ShownSections = { sectionName: (slug) => slug, sectionOrder: [] };

/** The publisher's sections first, in their order; any other after, in the order they come. */
function groupBySection(articles: readonly ArticleSummary[], shown: ShownSections): { section: string; name: string; articles: ArticleSummary[] }[] {
  const sections = new Map<string, ArticleSummary[]>(shown.sectionOrder.map((slug) => [slug, []]));
  for (const article of articles) {
    const list = sections.get(article.section) ?? [];
    list.push(article);
    sections.set(article.section, list);
  }
  return [...sections].filter(([, list]) => list.length > 0).map(([section, list]) => ({ section, name: shown.sectionName(section), articles: list }));
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

/** The publisher's look in force (logo, accent, names, time zone): a kept page is of one look. */
const presentationVersion = (res: Response) => (res.locals.presentation as { version?: number } | undefined)?.version ?? 0;

/** What the views see of a signed-in reader on a kept page. */
const signedInReader = Object.freeze({ signedIn: true });

/** The front page and the section pages (the article page is `articleView`, on a lane of its own). */
export function articleRoutes(deps: Pick<ArticleRoutesDeps, 'source'>): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    // After POST /signout: a fixed notice for a fixed flag, never text from the address.
    const signedOut = req.query.signedOut === '1' && req.user === undefined;
    res.render('home', { title: undefined, signedOut, sections: groupBySection(await deps.source.list(), (res.locals.presentation as ShownSections | undefined) ?? bySlug) });
  });

  router.get('/sections/:section', async (req, res) => {
    const articles = (await deps.source.list()).filter((a) => a.section === req.params.section);
    if (articles.length === 0) throw new AppError(404, 'There is no section at this address.');
    const name = ((res.locals.presentation as ShownSections | undefined) ?? bySlug).sectionName(req.params.section as string);
    res.render('section', { title: name, section: req.params.section, sectionTitle: name, articles });
  });

  return router;
}

/**
 * GET and HEAD `/articles/:slug`, the product's hot path: the reader the gate decides for,
 * its decision, and the page, kept rendered per variant and sent as kept bytes (a page
 * with forms gets the reader's own CSRF token on the way out). No ETag: the page is
 * `private, no-store` and differs per reader, so nothing would ever revalidate it.
 */
export function articleView(deps: ArticleRoutesDeps): RequestHandler {
  const { visitorOf } = deps;
  const pages = new ArticlePageCache<KeptPage>();
  // Kept pages' forms carry each reader's own CSRF token: the kept page holds this mark in
  // its place. Random, so no article can contain it.
  const tokenMark = `gatehouse-csrf-${randomBytes(12).toString('hex')}`;
  // A link preview (mode 'preview') gets no token: it posts nothing, and is given no cookie.
  // A signed-in reader's token was already read for the page's locals (app.ts): not read twice.
  const tokenOf = (req: Request, res: Response) => (typeof res.locals.csrfToken === 'string' ? res.locals.csrfToken : deps.csrfToken(req));
  const send = (req: Request, res: Response, page: KeptPage, visit: Visit) => {
    const body = page.bytes ?? Buffer.from(page.html.replaceAll(tokenMark, visit.mode === 'preview' ? '' : tokenOf(req, res)));
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.setHeader('Content-Length', body.length);
    res.end(body);
  };

  return async (req: Request, res: Response, next: NextFunction) => {
    const article = await deps.source.get(req.params.slug as string);
    if (article === undefined) throw new AppError(404, 'There is no article at this address. It may have been moved or unpublished.');
    // A HEAD is a peek, answering the decision a GET would get now, with no body, counting
    // nothing and issuing no reader id.
    const peek = req.method === 'HEAD';
    const visit = await visitorOf(req, res, peek ? 'preview' : 'count', article);
    const result = await deps.gate.decide(article, visit.reader, visit.mode);
    setDecisionHeaders(res, result);
    if (peek) return res.type('html').end();
    const plans = result.decision === 'paywall' ? await deps.plans.listForDisplay(req.user?.id) : [];
    // Everything a page varies by, beside the settings and the article: a signed-in reader's
    // page differs from an anonymous one only by its sign-out form and its token (the views
    // read the account as a yes or no), so both are kept. Only the article's own address is
    // kept: query strings would let anyone fill memory, and a gift view (`?gift=`) is never
    // kept, so no other reader is served one.
    const signedIn = req.user !== undefined;
    const variant = req.originalUrl === `/articles/${article.slug}` ? JSON.stringify([signedIn, result.decision, result.limit, result.remaining, result.storeUnavailable, plans, presentationVersion(res), result.institution?.id]) : undefined;
    const cached = variant === undefined ? undefined : pages.get(result.settings, article, variant);
    if (cached !== undefined) return send(req, res, cached, visit);
    const url = new URL(`/articles/${article.slug}`, deps.publicUrl).href;
    const page = articlePage(article, result, url);
    // A gift view (never kept: its address has the token) offers an account to a reader without one.
    // After signing up from the offer the reader comes back to the gift (their account is one more of its readers).
    const gift = result.decision === 'gift' ? { offer: !signedIn, returnTo: req.originalUrl } : undefined;
    // The gifted address carries its token: the page's requests must not send it on.
    if (gift !== undefined) res.set('Referrer-Policy', 'strict-origin');
    const forms = signedIn || page.gate !== undefined || gift?.offer === true;
    // `account` is only a yes: a kept page must hold nothing of one reader (a theme's layout included).
    // A subscriber's page (its decision is in the variant) carries the "Gift this article" form.
    // A kept page holds nothing of one request: the request id (which the caller may choose) is left out.
    const model = { title: article.title, description: article.summary, article, ...page, billingConfigured: deps.billingConfigured, plans, returnTo: `/articles/${article.slug}`, account: signedIn ? signedInReader : undefined, institution: result.institution?.name, gift, giftable: result.decision === 'subscriber', requestId: undefined, ...(forms ? { csrfToken: tokenMark } : {}) };
    res.render('article', model, (error: Error | null, html?: string) => {
      if (error) return next(error);
      const kept = keptPage(html!, tokenMark);
      if (variant !== undefined) pages.set(result.settings, article, variant, kept);
      send(req, res, kept, visit);
    });
  };
}
