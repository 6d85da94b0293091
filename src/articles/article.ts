import type { Access } from '../meter/meter.module';

export { accessLevels, type Access } from '../meter/meter.module';

/** One top-level element of an article body, already rendered to safe HTML. */
export interface ArticleBlock {
  readonly html: string;
  readonly isParagraph: boolean;
}

export interface ArticleSummary {
  readonly slug: string;
  readonly title: string;
  readonly section: string;
  /** The article's own setting; undefined defers to its section's default. */
  readonly access: Access | undefined;
  readonly published: string;
  readonly author: string | undefined;
  readonly summary: string | undefined;
  /** A picture for link previews: an absolute URL or a path on this site. */
  readonly image?: string;
}

export interface Article extends ArticleSummary {
  readonly blocks: readonly ArticleBlock[];
}

/**
 * Where articles come from. The gate sees only this interface, so an upstream origin whose
 * HTML pages are fetched and cut at a CSS selector can replace the Markdown folder.
 */
export interface ArticleSource {
  list(): Promise<readonly ArticleSummary[]>;
  get(slug: string): Promise<Article | undefined>;
}

/**
 * Where the lead-in ends: the index just past its last paragraph. At most `paragraphs`
 * paragraphs, and never every paragraph of the article (an article of N <= `paragraphs`
 * paragraphs gives N - 1), so a short article is never sent whole to a reader at the gate.
 */
export function leadInEnd(article: Pick<Article, 'blocks'>, paragraphs: number): number {
  const total = article.blocks.filter((b) => b.isParagraph).length;
  const wanted = Math.max(0, Math.min(paragraphs, total - 1));
  let seen = 0;
  let end = 0;
  while (seen < wanted) {
    if (article.blocks[end]!.isParagraph) seen += 1;
    end += 1;
  }
  return end;
}

/**
 * The lead-in a reader at the gate is sent: paragraphs only. Headings, lists, quotes and
 * tables before the cut are left out, since they are part of what is paywalled.
 */
export function leadIn(article: Pick<Article, 'blocks'>, paragraphs: number): readonly ArticleBlock[] {
  return article.blocks.slice(0, leadInEnd(article, paragraphs)).filter((b) => b.isParagraph);
}
