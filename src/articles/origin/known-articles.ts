import type { ArticleGate } from '../ports';
import type { ArticlePage, OriginPage } from './html-page';
import { MutableFingerprintSet, type FingerprintSet } from './fingerprints';

/** How each origin article is offered now, and the fingerprints of what a reader at its gate may not read. */
export interface ArticleStanding {
  readonly gated: boolean;
  readonly teaserParagraphs: number;
}

/**
 * One of every `sampleStride` fingerprints of an article is kept: the fingerprints are runs of
 * six words starting at each word in turn, so keeping every third still catches any copy of
 * eight words or more (a paragraph, an excerpt), at a third of the memory.
 */
const sampleStride = 3;

/** What the second line of defence knows of one article. */
interface Learnt {
  /**
   * The page's memoised rest fingerprints (a refreshed page gives a new array), or null when
   * free; weakly, so that a page the cache dropped is not kept alive here.
   */
  readonly rest: WeakRef<readonly string[]> | null;
  readonly kept: number;
}

/**
 * The origin articles this instance has seen, with fingerprints of the text past each gated
 * one's lead-in: the second line of defence removes those paragraphs from any other response
 * (an index or archive showing full posts, search results, a plugin's JSON). Bounded: past
 * `maxFingerprints` the least recently seen articles are forgotten, and a listing that links
 * to one learns it again (through the cache) before it is answered.
 */
export class KnownArticles {
  private readonly fingerprints = new MutableFingerprintSet();
  /** By identity, least recently seen first. */
  private readonly learnt = new Map<string, Learnt>();
  private kept = 0;

  constructor(
    private readonly gate: Pick<ArticleGate, 'anonymousAccessOf'>,
    private readonly maxFingerprints: number,
  ) {}

  get set(): FingerprintSet {
    return this.fingerprints;
  }

  /** How many articles and fingerprints are held (for tests and the bench). */
  get size(): { readonly articles: number; readonly fingerprints: number } {
    return { articles: this.learnt.size, fingerprints: this.kept };
  }

  /** Learns (or relearns, when its access or lead-in changed) one article; answers how it stands. */
  async learn(page: ArticlePage): Promise<ArticleStanding> {
    const { access, teaserParagraphs } = await this.gate.anonymousAccessOf({ slug: page.identity, section: page.section, access: page.access });
    const gated = access !== 'free';
    const rest = gated ? page.restFingerprints(teaserParagraphs) : null;
    const last = this.learnt.get(page.identity);
    this.learnt.delete(page.identity);
    if (last !== undefined && (last.rest === null ? rest === null : last.rest.deref() === rest)) {
      this.learnt.set(page.identity, last);
      return { gated, teaserParagraphs };
    }
    this.kept -= last?.kept ?? 0;
    if (rest === null) {
      this.fingerprints.remove(page.identity);
      this.learnt.set(page.identity, { rest: null, kept: 0 });
    } else {
      const sample = rest.filter((_, i) => i % sampleStride === 0);
      this.fingerprints.add(page.identity, sample);
      this.learnt.set(page.identity, { rest: new WeakRef(rest), kept: sample.length });
      this.kept += sample.length;
    }
    this.forgetOldest(page.identity);
    return { gated, teaserParagraphs };
  }

  /** Learns whatever of these pages are articles. */
  async learnAll(pages: readonly (OriginPage | undefined)[]): Promise<void> {
    for (const page of pages) if (page?.kind === 'article') await this.learn(page);
  }

  private forgetOldest(keep: string): void {
    for (const [identity, learnt] of this.learnt) {
      if (this.kept <= this.maxFingerprints && this.learnt.size <= this.maxFingerprints) return;
      if (identity === keep) continue;
      this.learnt.delete(identity);
      this.fingerprints.remove(identity);
      this.kept -= learnt.kept;
    }
  }
}
