import { ArticlePageCache } from './page-cache';

describe('ArticlePageCache', () => {
  it('when a variant was rendered under these settings for this article, then it is served; under other settings or another article object, never', () => {
    const cache = new ArticlePageCache<string>();
    const settings = {};
    const article = {};
    cache.set(settings, article, 'metered|2', '<p>two left</p>');
    expect(cache.get(settings, article, 'metered|2')).toBe('<p>two left</p>');
    expect(cache.get(settings, article, 'metered|1')).toBeUndefined();
    // New settings (a reload) or a reloaded article are new objects: nothing stale comes back.
    expect(cache.get({}, article, 'metered|2')).toBeUndefined();
    expect(cache.get(settings, {}, 'metered|2')).toBeUndefined();
  });

  it('when an article has more variants than the bound, then the oldest goes first', () => {
    const cache = new ArticlePageCache<string>(2);
    const settings = {};
    const article = {};
    cache.set(settings, article, 'a', 'A');
    cache.set(settings, article, 'b', 'B');
    cache.set(settings, article, 'c', 'C');
    expect([cache.get(settings, article, 'a'), cache.get(settings, article, 'b'), cache.get(settings, article, 'c')]).toEqual([undefined, 'B', 'C']);
  });
});
