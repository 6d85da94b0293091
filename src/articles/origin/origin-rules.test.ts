import { buildOriginRules, readTarget, type RequestTarget } from './origin-rules';

function target(url: string): RequestTarget {
  const t = readTarget(url);
  if (t === undefined) throw new Error(`refused: ${url}`);
  return t;
}

describe('readTarget', () => {
  it('sends the origin a tidy path: dot segments resolved, slashes collapsed, decoded once', () => {
    expect(target('/a//b/./c/../d?x=1')).toMatchObject({ path: '/a/b/d', search: '?x=1' });
    expect(target('/2025/04/caf%C3%A9/').path).toBe('/2025/04/caf%C3%A9/');
    expect(target('/%61bout/').path).toBe('/about/');
    expect(target('/').path).toBe('/');
    expect(target('/a/..').path).toBe('/');
  });

  it('matches on the path decoded until stable, lower-cased, with backslashes as slashes', () => {
    expect(target('/WP-JSON/wp/v2/posts').matchPath).toBe('/wp-json/wp/v2/posts');
    expect(target('/%2577p-json/').matchPath).toBe('/wp-json/');
    expect(target('/x/..%2fwp-json').matchPath).toBe('/wp-json');
    expect(target('/x\\..\\wp-json').matchPath).toBe('/wp-json');
    expect([...target('/?REST%5Froute=/wp/v2/posts').queryNames]).toEqual(['rest_route']);
  });

  it('refuses what is not an origin-form path, control characters and broken encodings', () => {
    expect(target('//evil.example/x').path).toBe('/evil.example/x');
    for (const url of ['http://evil.example/', '*', '/?rest_route%00=/', '/?a=%0d%0a', '/a%00b', '/a%0d%0aSet-Cookie:x', '/%E0%A4%A', '/%zz']) expect(readTarget(url)).toBeUndefined();
  });
});

describe('the WordPress rule set', () => {
  const rules = buildOriginRules({ cms: 'wordpress', blockPaths: ['/members-only/*'], articlePaths: ['/:year/:month/:slug/'] });
  const blocked = (url: string) => rules.isBlocked(target(url));

  it('blocks the REST API, oEmbed, previews, embeds, AMP and print views, however written', () => {
    for (const url of [
      '/wp-json/wp/v2/posts',
      '/wp-json',
      '/WP-JSON/wp/v2/posts?search=x',
      '//wp-json//wp/v2/posts',
      '/%77p-json/wp/v2/posts',
      '/wp-json/oembed/1.0/embed?url=x',
      '/?rest_route=/wp/v2/posts',
      '/index.php?rest_route=/wp/v2/posts/1',
      '/?rest.route=/wp/v2/posts',
      '/?rest+route=/wp/v2/posts',
      '/?rest[route=/wp/v2/posts',
      '/?REST_ROUTE=/wp/v2/posts',
      '/index.php/wp-json/wp/v2/posts',
      '/index.php/2025/04/slug/embed/',
      '/2025/04/slug/?_jsonp=cb',
      '/2025/04/slug/embed;x',
      '/wp-json;x/wp/v2/posts',
      '/?p=1&preview.id=1',
      '/?p=12&preview=true',
      '/2025/04/slug/?preview=true',
      '/2025/04/slug/embed/',
      '/2025/04/slug/embed',
      '/2025/04/slug/?embed=true',
      '/2025/04/slug/amp/',
      '/2025/04/slug/?amp=1',
      '/2025/04/slug/print/',
      '/xmlrpc.php',
      '/wp-admin/admin-ajax.php',
      '/members-only/a',
      '/Members-Only/a',
    ])
      expect([url, blocked(url)]).toEqual([url, true]);
  });

  it('leaves posts, feeds, archives and search to the cut and the scrub', () => {
    for (const url of ['/2025/04/slug/', '/feed/', '/?feed=rss2', '/?s=word', '/category/news/', '/?p=12', '/wp-content/themes/x/style.css', '/'])
      expect([url, blocked(url)]).toEqual([url, false]);
  });

  it('matches article paths', () => {
    expect(rules.isArticlePath('/2025/04/slug/')).toBe(true);
    expect(rules.isArticlePath('/category/news/')).toBe(false);
    expect(buildOriginRules({ cms: 'generic', blockPaths: [], articlePaths: undefined }).isArticlePath('/anything')).toBe(true);
    expect(buildOriginRules({ cms: 'generic', blockPaths: [], articlePaths: ['/news/*'] }).isArticlePath('/news/a/b')).toBe(true);
  });
});

describe('the Ghost rule set', () => {
  const rules = buildOriginRules({ cms: 'ghost', blockPaths: [], articlePaths: undefined });
  it('blocks the Content API, previews and email copies', () => {
    for (const url of ['/ghost/api/content/posts/?key=x', '/GHOST/api/content/posts/', '/p/4b6f-uuid/', '/email/uuid/', '/slug/amp/', '/members/api/member/'])
      expect([url, rules.isBlocked(target(url))]).toEqual([url, true]);
    expect(rules.isBlocked(target('/slug/'))).toBe(false);
    expect(rules.isBlocked(target('/rss/'))).toBe(false);
  });
});
