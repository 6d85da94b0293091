import { Router } from 'express';
import type { Clock } from '../config/clock';
import type { ReaderOf } from '../meter/meter.module';
import { accessApiRoutes } from './access-api.controller';
import type { ArticleSource } from './article';
import { articleRoutes } from './articles.controller';
import { MarkdownArticleSource } from './markdown-source';
import type { ArticleGate, CrawlerCheck, PlansForDisplay } from './ports';
import { sitemapRoutes } from './sitemap.controller';
import { buildVisitorOf } from './visitor';

export type { Article, ArticleBlock, ArticleSource, ArticleSummary } from './article';
export type { ArticleGate, CrawlerCheck, DisplayPlan, PlansForDisplay } from './ports';
export { paywalledClass } from './article-page';

export interface ArticlesDeps {
  /** The Markdown folder, read once at start. */
  readonly contentDir: string;
  readonly publicUrl: URL;
  readonly gate: ArticleGate;
  readonly readerOf: ReaderOf;
  /** Verified crawlers read everything uncounted; link previews get the lead-in (SPEC section 12). */
  readonly crawlers: CrawlerCheck;
  readonly plans: PlansForDisplay;
  /** The publication's name, for the news sitemap. */
  readonly siteName: string;
  readonly billingConfigured: boolean;
  readonly clock: Clock;
}

export interface ArticlesModule {
  readonly source: ArticleSource;
  /** `/`, `/sections/:section`, `/articles/:slug`, `GET /api/access/:slug` and the sitemaps. */
  readonly routes: Router;
}

export async function buildArticles(deps: ArticlesDeps): Promise<ArticlesModule> {
  const source = await MarkdownArticleSource.load(deps.contentDir);
  const routes = Router();
  const visitorOf = buildVisitorOf({ crawlers: deps.crawlers, readerOf: deps.readerOf, gate: deps.gate });
  routes.use(articleRoutes({ source, gate: deps.gate, visitorOf, publicUrl: deps.publicUrl, plans: deps.plans, billingConfigured: deps.billingConfigured }));
  routes.use(accessApiRoutes({ source, gate: deps.gate, visitorOf }));
  // The Markdown source has no CMS to publish sitemaps; an upstream origin passes its own through.
  routes.use(sitemapRoutes({ source, publicUrl: deps.publicUrl, siteName: deps.siteName, language: 'en', clock: deps.clock }));
  return { source, routes };
}
