/** A rendered page as kept: its bytes too when it holds no reader's token (`mark`) to put in. */
export interface KeptPage {
  readonly html: string;
  readonly bytes: Buffer | undefined;
}

export function keptPage(html: string, mark: string): KeptPage {
  return { html, bytes: html.includes(mark) ? undefined : Buffer.from(html) };
}

/**
 * Rendered article pages. Such a page depends only on the article, the meter settings in
 * force, whether a reader is signed in, the decision with its counts and the plans shown:
 * for one article and one set of settings that is a handful of variants, so each is rendered
 * once rather than on every view. The reader's own CSRF token goes in on the way out.
 *
 * Entries hang off the settings and article objects themselves (weakly): new settings or a
 * reloaded article start afresh, and nothing stale is ever served. Each article keeps at most
 * `perArticle` variants (the oldest goes first), so odd query strings cannot grow memory.
 */
export class ArticlePageCache<Page> {
  private readonly bySettings = new WeakMap<object, WeakMap<object, Map<string, Page>>>();

  constructor(private readonly perArticle = 32) {}

  get(settings: object, article: object, variant: string): Page | undefined {
    return this.bySettings.get(settings)?.get(article)?.get(variant);
  }

  set(settings: object, article: object, variant: string, page: Page): void {
    let byArticle = this.bySettings.get(settings);
    if (byArticle === undefined) this.bySettings.set(settings, (byArticle = new WeakMap()));
    let variants = byArticle.get(article);
    if (variants === undefined) byArticle.set(article, (variants = new Map()));
    if (variants.size >= this.perArticle && !variants.has(variant)) variants.delete(variants.keys().next().value!);
    variants.set(variant, page);
  }
}
