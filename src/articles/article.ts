export const accessLevels = ['free', 'metered', 'premium'] as const;
export type Access = (typeof accessLevels)[number];

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

/** The lead-in: blocks up to and including the `paragraphs`-th paragraph. */
export function leadIn(article: Article, paragraphs: number): readonly ArticleBlock[] {
  let seen = 0;
  let end = 0;
  while (end < article.blocks.length && seen < paragraphs) {
    if (article.blocks[end]!.isParagraph) seen += 1;
    end += 1;
  }
  return article.blocks.slice(0, end);
}
