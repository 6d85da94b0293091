import { Router, type Request, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import type Redis from 'ioredis';
import type { Kysely } from 'kysely';
import type { Clock } from '../config/clock';
import type { OriginConfig } from '../config/config';
import type { Database } from '../store/schema';
import type { ReaderOf } from '../meter/meter.module';
import { accessApiRoutes } from './access-api.controller';
import type { ArticleSource } from './article';
import { articleRoutes, articleView } from './articles.controller';
import { MarkdownArticleSource } from './markdown-source';
import type { ArticleGate, CrawlerCheck, GiftCheck, InstitutionCheck, PlansForDisplay } from './ports';
import { sitemapRoutes } from './sitemap.controller';
import { buildVisitorOf } from './visitor';
import { buildOrigin, type OriginModule } from './origin/origin.module';

export type { Article, ArticleBlock, ArticleSource, ArticleSummary } from './article';
export type { ArticleGate, CrawlerCheck, DisplayPlan, GiftCheck, InstitutionCheck, PlansForDisplay } from './ports';
export type { OriginModule, PurgeRequest } from './origin/origin.module';
export { paywalledClass } from './article-page';

export interface ArticlesDeps {
  readonly messages: import('../http/i18n').Messages;
  /** THEME_DIR's theme.css (its versioned address), linked on origin pages after origin.css. */
  readonly themeStylesheet: string | undefined;
  /** The Markdown folder, read once at start. */
  readonly contentDir: string;
  readonly publicUrl: URL;
  readonly gate: ArticleGate;
  readonly readerOf: ReaderOf;
  /** Verified crawlers read everything uncounted; link previews get the lead-in (SPEC section 12). */
  readonly crawlers: CrawlerCheck;
  /** Readers an institution covers read everything (SPEC section 13). */
  readonly institutions?: InstitutionCheck;
  /** Gift links (`?gift=`) open one article whole for their readers (SPEC section 13). */
  readonly gifts?: GiftCheck;
  readonly plans: PlansForDisplay;
  /** The publication's name, for the news sitemap. */
  readonly siteName: string;
  readonly billingConfigured: boolean;
  readonly clock: Clock;
  /** An upstream CMS instead of the Markdown folder (SPEC section 11). */
  readonly origin: OriginConfig | undefined;
  readonly redis: Redis | undefined;
  readonly keyPrefix: string;
  readonly db: Kysely<Database>;
  readonly logger: Logger;
  /** A signed-in reader's CSRF token, for the forms in the account bar and the gate. */
  readonly csrfToken: (req: Request) => string;
}

export interface ArticlesModule {
  /** The Markdown folder; undefined in front of an origin (the CMS lists its own articles). */
  readonly source: ArticleSource | undefined;
  /** `/`, `/sections/:section`, `GET /api/access/:slug` and the sitemaps; with an origin, `GET /api/access/*path`. */
  readonly routes: Router;
  /** GET and HEAD `/articles/:slug` of the Markdown folder (app.ts gives it a lane of its own); undefined in front of an origin. */
  readonly view: RequestHandler | undefined;
  /** With ORIGIN_URL: the proxy that every request not for Gatehouse's own routes goes to. */
  readonly origin: OriginModule | undefined;
  /** The article at a path of this site (its identity, path and title), or undefined: what a gift link is made for. */
  articleAt(path: string): Promise<{ readonly identity: string; readonly path: string; readonly title: string } | undefined>;
  close(): Promise<void>;
}

export async function buildArticles(deps: ArticlesDeps): Promise<ArticlesModule> {
  const routes = Router();
  const visitorOf = buildVisitorOf({ crawlers: deps.crawlers, readerOf: deps.readerOf, gate: deps.gate, institutions: deps.institutions, gifts: deps.gifts });
  if (deps.origin !== undefined) {
    const origin = buildOrigin({ ...deps, config: deps.origin, visitorOf });
    routes.use(origin.accessRoutes);
    return { source: undefined, routes, view: undefined, origin, articleAt: (path) => origin.articleAt(path), close: () => origin.close() };
  }
  // A new or changed article is published without a restart; a bad file is logged and skipped.
  const source = await MarkdownArticleSource.load(deps.contentDir, { log: deps.logger, watch: true });
  const view = articleView({ source, gate: deps.gate, visitorOf, publicUrl: deps.publicUrl, plans: deps.plans, billingConfigured: deps.billingConfigured, csrfToken: deps.csrfToken });
  routes.use(articleRoutes({ source }));
  routes.use(accessApiRoutes({ source, gate: deps.gate, visitorOf }));
  // The Markdown source has no CMS to publish sitemaps; an upstream origin passes its own through.
  routes.use(sitemapRoutes({ source, publicUrl: deps.publicUrl, siteName: deps.siteName, language: 'en', clock: deps.clock }));
  const articleAt = async (path: string) => {
    const slug = /^\/articles\/([^/?#]+)$/.exec(path)?.[1];
    const article = slug === undefined ? undefined : await source.get(decodedOrEmpty(slug));
    return article === undefined ? undefined : { identity: article.slug, path: `/articles/${article.slug}`, title: article.title };
  };
  return { source, routes, view, origin: undefined, articleAt, close: async () => source.close() };
}

/** A path segment decoded; '' (no article) when its percent-encoding is broken (`%E0`, `%`). */
function decodedOrEmpty(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return '';
  }
}
