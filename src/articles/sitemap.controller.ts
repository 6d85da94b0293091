import { Router, type Response } from 'express';
import type { Clock } from '../config/clock';
import type { ArticleSource, ArticleSummary } from './article';

const newsWindowMs = 48 * 60 * 60 * 1000;

/** Text for an XML element or attribute: the five characters XML reserves, escaped. */
export function xmlEscape(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

export interface SitemapRoutesDeps {
  readonly source: ArticleSource;
  readonly publicUrl: URL;
  /** The publication's name in the news sitemap. */
  readonly siteName: string;
  /** The publication's language (ISO 639), as Google News asks. */
  readonly language: string;
  readonly clock: Clock;
}

/**
 * `/sitemap.xml` (every article) and `/news-sitemap.xml` (the last 48 hours, in Google News
 * format), from the Markdown source. Nothing in them is personal, so caches may keep them briefly.
 */
export function sitemapRoutes(deps: SitemapRoutesDeps): Router {
  const router = Router();
  const urlOf = (article: ArticleSummary) => xmlEscape(new URL(`/articles/${article.slug}`, deps.publicUrl).href);
  const send = (res: Response, body: string) => {
    res.set('Cache-Control', 'public, max-age=300');
    res.type('application/xml').send(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
  };

  router.get('/sitemap.xml', async (_req, res) => {
    const entries = (await deps.source.list()).map((a) => `  <url><loc>${urlOf(a)}</loc><lastmod>${xmlEscape(a.published)}</lastmod></url>\n`);
    send(res, `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${entries.join('')}</urlset>\n`);
  });

  router.get('/news-sitemap.xml', async (_req, res) => {
    const now = deps.clock();
    const recent = (await deps.source.list()).filter((a) => {
      const published = Date.parse(a.published);
      return published <= now && now - published <= newsWindowMs;
    });
    const publication = `<news:publication><news:name>${xmlEscape(deps.siteName)}</news:name><news:language>${xmlEscape(deps.language)}</news:language></news:publication>`;
    const entries = recent.map(
      (a) => `  <url><loc>${urlOf(a)}</loc><news:news>${publication}<news:publication_date>${xmlEscape(a.published)}</news:publication_date><news:title>${xmlEscape(a.title)}</news:title></news:news></url>\n`,
    );
    send(res, `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n${entries.join('')}</urlset>\n`);
  });

  return router;
}
