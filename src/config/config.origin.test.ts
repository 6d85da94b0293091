import { parseConfig, ConfigError } from './config';

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the config to be refused');
}

describe('the origin settings (SPEC section 11)', () => {
  it('when ORIGIN_URL is unset, then articles come from CONTENT_DIR', () => {
    expect(parseConfig({}).origin).toBeUndefined();
  });

  it('when only ORIGIN_URL is set, then the defaults of SPEC section 11 apply', () => {
    expect(parseConfig({ ORIGIN_URL: 'http://cms.internal:8080' }).origin).toEqual({
      url: new URL('http://cms.internal:8080'),
      secret: undefined,
      timeoutMs: 5000,
      articlePaths: undefined,
      articleSelector: 'article',
      blockPaths: [],
      cms: 'generic',
      cacheBytes: 64 * 1024 * 1024,
      passCookies: [],
      accountBarSelector: undefined,
      maxBodyBytes: 10 * 1024 * 1024,
      connections: 64,
    });
  });

  it('when every origin setting is given, then each is parsed', () => {
    const origin = parseConfig({
      ORIGIN_URL: 'https://cms.internal',
      ORIGIN_SECRET: 's3cret',
      ORIGIN_TIMEOUT_MS: '1500',
      ORIGIN_ARTICLE_PATHS: '/:year/:month/:slug/, /news/*',
      ORIGIN_ARTICLE_SELECTOR: '.entry-content',
      ORIGIN_BLOCK_PATHS: '/members/*',
      ORIGIN_CMS: 'wordpress',
      ORIGIN_CACHE_MB: '16',
      ORIGIN_PASS_COOKIES: 'lang, consent',
      ORIGIN_ACCOUNT_BAR_SELECTOR: '#masthead',
    }).origin!;
    expect(origin).toMatchObject({ secret: 's3cret', timeoutMs: 1500, articlePaths: ['/:year/:month/:slug/', '/news/*'], articleSelector: '.entry-content', blockPaths: ['/members/*'], cms: 'wordpress', cacheBytes: 16 * 1024 * 1024, passCookies: ['lang', 'consent'], accountBarSelector: '#masthead' });
  });

  it('when an origin setting is bad, then the variable is named and the process does not start', () => {
    expect(problemsOf({ ORIGIN_URL: 'cms.internal' })).toEqual([expect.stringMatching(/^ORIGIN_URL must be a URL/)]);
    expect(problemsOf({ ORIGIN_URL: 'http://cms/blog' })).toEqual([expect.stringMatching(/^ORIGIN_URL must be the origin itself/)]);
    expect(problemsOf({ ORIGIN_URL: 'http://cms', ORIGIN_CMS: 'drupal' })).toEqual([expect.stringMatching(/^ORIGIN_CMS must be generic, wordpress or ghost/)]);
    expect(problemsOf({ ORIGIN_URL: 'http://cms', ORIGIN_ARTICLE_SELECTOR: 'article[' })).toEqual([expect.stringMatching(/^ORIGIN_ARTICLE_SELECTOR must be a CSS selector/)]);
    expect(problemsOf({ ORIGIN_URL: 'http://cms', ORIGIN_ARTICLE_PATHS: 'news/*' })).toEqual([expect.stringMatching(/^ORIGIN_ARTICLE_PATHS has a pattern that does not compile: "news\/\*"/)]);
    expect(problemsOf({ ORIGIN_URL: 'http://cms', ORIGIN_BLOCK_PATHS: '/a/:' })).toEqual([expect.stringMatching(/^ORIGIN_BLOCK_PATHS has a pattern/)]);
    expect(problemsOf({ ORIGIN_URL: 'http://cms', ORIGIN_TIMEOUT_MS: '10' })).toEqual([expect.stringMatching(/^ORIGIN_TIMEOUT_MS/)]);
  });
});
