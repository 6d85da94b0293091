import type { ArticleGate } from '../ports';
import type { ArticlePage, OriginPage } from './html-page';
import { MutableFingerprintSet, type FingerprintSet } from './fingerprints';

/** How each origin article is offered now, and the fingerprints of what a reader at its gate may not read. */
export interface ArticleStanding {
  readonly gated: boolean;
  readonly teaserParagraphs: number;
}

/**
 * Every origin article this instance has seen, with the fingerprints of the text past its
 * lead-in when it is gated: the second line of defence removes those paragraphs from any
 * other response (an index or archive showing full posts, search results, a plugin's JSON).
 * Kept with the cache: a page read into the cache is learnt here.
 */
export class KnownArticles {
  private readonly fingerprints = new MutableFingerprintSet();
  /** The fingerprints each identity was last learnt with (the page memoises them: a refreshed page gives a new array), or null when free. */
  private readonly learnt = new Map<string, readonly string[] | null>();

  constructor(private readonly gate: Pick<ArticleGate, 'anonymousAccessOf'>) {}

  get set(): FingerprintSet {
    return this.fingerprints;
  }

  /** Learns (or relearns, when its access or lead-in changed) one article; answers how it stands. */
  async learn(page: ArticlePage): Promise<ArticleStanding> {
    const { access, teaserParagraphs } = await this.gate.anonymousAccessOf({ slug: page.identity, section: page.section, access: page.access });
    const gated = access !== 'free';
    const rest = gated ? page.restFingerprints(teaserParagraphs) : null;
    if (this.learnt.get(page.identity) !== rest) {
      this.learnt.set(page.identity, rest);
      if (rest === null) this.fingerprints.remove(page.identity);
      else this.fingerprints.add(page.identity, rest);
    }
    return { gated, teaserParagraphs };
  }

  /** Learns whatever of these pages are articles. */
  async learnAll(pages: readonly (OriginPage | undefined)[]): Promise<void> {
    for (const page of pages) if (page?.kind === 'article') await this.learn(page);
  }
}
