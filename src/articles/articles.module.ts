import { Router } from 'express';
import type { Clock } from '../config/clock';
import type { ReaderOf } from '../meter/meter.module';
import { accessApiRoutes } from './access-api.controller';
import type { ArticleSource } from './article';
import { articleRoutes } from './articles.controller';
import { MarkdownArticleSource } from './markdown-source';
import type { ArticleGate, PlansForDisplay } from './ports';

export type { Article, ArticleBlock, ArticleSource, ArticleSummary } from './article';
export type { ArticleGate, DisplayPlan, PlansForDisplay } from './ports';
export { paywalledClass } from './article-page';

export interface ArticlesDeps {
  /** The Markdown folder, read once at start. */
  readonly contentDir: string;
  readonly publicUrl: URL;
  readonly gate: ArticleGate;
  readonly readerOf: ReaderOf;
  readonly plans: PlansForDisplay;
  readonly billingConfigured: boolean;
  readonly clock: Clock;
}

export interface ArticlesModule {
  readonly source: ArticleSource;
  /** `/`, `/sections/:section`, `/articles/:slug` and `GET /api/access/:slug`. */
  readonly routes: Router;
}

export async function buildArticles(deps: ArticlesDeps): Promise<ArticlesModule> {
  const source = await MarkdownArticleSource.load(deps.contentDir);
  const routes = Router();
  routes.use(articleRoutes({ source, gate: deps.gate, readerOf: deps.readerOf, publicUrl: deps.publicUrl, plans: deps.plans, billingConfigured: deps.billingConfigured }));
  routes.use(accessApiRoutes({ source, gate: deps.gate, readerOf: deps.readerOf }));
  return { source, routes };
}
