import type { ArticlePage } from './html-page';
import { KnownArticles } from './known-articles';

/** A page as KnownArticles sees it: an identity and its memoised rest fingerprints. */
function page(identity: string, count: number, access?: 'free'): ArticlePage {
  const rest = Array.from({ length: count }, (_, i) => `${identity}:${i}`);
  return { identity, section: '', access, restFingerprints: () => rest } as unknown as ArticlePage;
}

const gate = { anonymousAccessOf: async (a: { access: string | undefined }) => ({ access: a.access === 'free' ? ('free' as const) : ('metered' as const), metered: true, teaserParagraphs: 2 }) };

describe('KnownArticles', () => {
  it('when a gated article is learnt, then every third of its rest fingerprints is kept; a free one keeps none', async () => {
    const known = new KnownArticles(gate, 1000);
    await known.learn(page('/a/', 9));
    expect(['/a/:0', '/a/:3', '/a/:6'].every((fp) => known.set.has(fp))).toBe(true);
    expect(known.set.has('/a/:1')).toBe(false);
    await known.learn(page('/b/', 9, 'free'));
    expect(known.set.has('/b/:0')).toBe(false);
    expect(known.size).toEqual({ articles: 2, fingerprints: 3 });
  });

  it('when more fingerprints arrive than the bound, then the least recently seen articles are forgotten first', async () => {
    const known = new KnownArticles(gate, 10);
    const a = page('/a/', 12);
    await known.learn(a); // 4 kept
    await known.learn(page('/b/', 12)); // 8
    await known.learn(a); // /a/ seen again: /b/ is now the oldest
    await known.learn(page('/c/', 12)); // 12 > 10: /b/ goes
    expect(known.set.has('/b/:0')).toBe(false);
    expect(known.set.has('/a/:0')).toBe(true);
    expect(known.set.has('/c/:0')).toBe(true);
    expect(known.size).toEqual({ articles: 2, fingerprints: 8 });
  });

  it('when an article is refreshed with new text, then its old fingerprints go', async () => {
    const known = new KnownArticles(gate, 100);
    await known.learn(page('/a/', 6));
    const refreshed = { ...page('/a/', 6), restFingerprints: () => ['/a/:new'] } as unknown as ArticlePage;
    await known.learn(refreshed);
    expect(known.set.has('/a/:0')).toBe(false);
    expect(known.set.has('/a/:new')).toBe(true);
    expect(known.size.fingerprints).toBe(1);
  });
});
