import { Router } from 'express';
import type { ArticleSource, ArticleSummary } from './article';
import { AppError } from '../http/app-error';

function groupBySection(articles: readonly ArticleSummary[]): { section: string; articles: ArticleSummary[] }[] {
  const sections = new Map<string, ArticleSummary[]>();
  for (const article of articles) {
    const list = sections.get(article.section) ?? [];
    list.push(article);
    sections.set(article.section, list);
  }
  return [...sections].map(([section, list]) => ({ section, articles: list }));
}

export function articleRoutes(source: ArticleSource): Router {
  const router = Router();

  router.get('/', async (_req, res) => {
    res.render('home', { title: undefined, sections: groupBySection(await source.list()) });
  });

  router.get('/sections/:section', async (req, res) => {
    const articles = (await source.list()).filter((a) => a.section === req.params.section);
    if (articles.length === 0) throw new AppError(404, 'There is no section at this address.');
    res.render('section', { title: req.params.section, section: req.params.section, articles });
  });

  router.get('/articles/:slug', async (req, res) => {
    const article = await source.get(req.params.slug);
    if (article === undefined) throw new AppError(404, 'There is no article at this address. It may have been moved or unpublished.');
    res.render('article', { title: article.title, article, blocks: article.blocks, gated: false });
  });

  return router;
}
