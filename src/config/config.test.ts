import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, parseConfig } from './config';
import { bundledContentDir } from './paths';

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the config to be refused');
}

describe('parseConfig', () => {
  it('when nothing is set, then the embedded defaults apply', () => {
    const config = parseConfig({});
    expect(config.port).toBe(8080);
    expect(config.dataDir).toBe(path.resolve('./data'));
    expect(config.databaseUrl).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
    expect(config.contentDir).toBe(bundledContentDir);
    expect(config.publicUrl.href).toBe('http://localhost:8080/');
    expect(config.passwordMinLength).toBe(8);
    expect(config.trustProxy).toBe(false);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('when production settings are given, then they are parsed into typed values', () => {
    const config = parseConfig({
      PORT: '3000',
      NODE_ENV: 'production',
      SESSION_SECRET: 's'.repeat(40),
      DATABASE_URL: 'postgres://app@db:5432/gatehouse',
      REDIS_URL: 'redis://cache:6379',
      PUBLIC_URL: 'https://news.example',
      TRUST_PROXY: '1',
      STRIPE_API_URL: 'http://127.0.0.1:12111',
    });
    expect(config.port).toBe(3000);
    expect(config.databaseUrl).toBe('postgres://app@db:5432/gatehouse');
    expect(config.publicUrl.protocol).toBe('https:');
    expect(config.trustProxy).toBe(1);
    expect(config.stripe.apiUrl?.port).toBe('12111');
  });

  it('when REDIS_CLUSTER_NODES is set, then the nodes are parsed and no REDIS_URL is needed', () => {
    const config = parseConfig({ REDIS_CLUSTER_NODES: ' cache-1:7000, [::1]:7001 ,10.0.0.3:7002' });
    expect(config.redisClusterNodes).toEqual([
      { host: 'cache-1', port: 7000 },
      { host: '::1', port: 7001 },
      { host: '10.0.0.3', port: 7002 },
    ]);
    expect(config.redisUrl).toBeUndefined();
  });

  it('when MIGRATION_DATABASE_URL is unset, then migrations use DATABASE_URL; when set, that one', () => {
    expect(parseConfig({ DATABASE_URL: 'postgres://app@db:5432/g' }).migrationDatabaseUrl).toBe('postgres://app@db:5432/g');
    const direct = parseConfig({ DATABASE_URL: 'postgres://app@bouncer:6432/g', MIGRATION_DATABASE_URL: 'postgres://owner@db:5432/g' });
    expect(direct.migrationDatabaseUrl).toBe('postgres://owner@db:5432/g');
    expect(direct.databaseUrl).toBe('postgres://app@bouncer:6432/g');
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ REDIS_URL: 'not a url' }, 'REDIS_URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ PUBLIC_URL: 'ftp://x' }, 'PUBLIC_URL'],
    [{ PASSWORD_MIN_LENGTH: '6' }, 'PASSWORD_MIN_LENGTH'],
    [{ SESSION_SECRET: 'short' }, 'SESSION_SECRET'],
    [{ REDIS_CLUSTER_NODES: 'cache-1:6379,cache-2' }, 'REDIS_CLUSTER_NODES'],
    [{ REDIS_CLUSTER_NODES: 'cache-1:0' }, 'REDIS_CLUSTER_NODES'],
    [{ REDIS_CLUSTER_NODES: 'redis://cache-1:6379' }, 'REDIS_CLUSTER_NODES'],
    [{ REDIS_CLUSTER_NODES: 'cache-1:6379', REDIS_URL: 'redis://cache:6379' }, 'REDIS_CLUSTER_NODES'],
    [{ REDIS_CLUSTER_NODES: 'cache-1:6379', REDIS_SENTINELS: 's1:26379' }, 'REDIS_SENTINELS'],
    [{ MIGRATION_DATABASE_URL: 'postgres://owner@db:5432/gatehouse' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'postgres://app@bouncer:6432/gatehouse', MIGRATION_DATABASE_URL: 'redis://db' }, 'MIGRATION_DATABASE_URL'],
  ])('when %j is set, then the error names %s', (env, variable) => {
    const problems = problemsOf(env);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${variable} `));
  });

  it('when NODE_ENV=production has no SESSION_SECRET, then it refuses to start', () => {
    expect(problemsOf({ NODE_ENV: 'production', PUBLIC_URL: 'https://news.example' })).toEqual([expect.stringMatching(/^SESSION_SECRET is required when NODE_ENV=production/)]);
  });

  it('when NODE_ENV=production has no PUBLIC_URL, then it refuses to start', () => {
    expect(problemsOf({ NODE_ENV: 'production', SESSION_SECRET: 's'.repeat(40) })).toEqual([expect.stringMatching(/^PUBLIC_URL is required when NODE_ENV=production/)]);
  });

  it('when NODE_ENV=production trusts every proxy hop (TRUST_PROXY=true), then it refuses to start and says what to give instead', () => {
    const problems = problemsOf({ NODE_ENV: 'production', SESSION_SECRET: 's'.repeat(40), PUBLIC_URL: 'https://news.example', TRUST_PROXY: 'true' });
    expect(problems).toEqual([expect.stringMatching(/^TRUST_PROXY must not be "true" in production .*number of proxies/)]);
    expect(parseConfig({ NODE_ENV: 'production', SESSION_SECRET: 's'.repeat(40), PUBLIC_URL: 'https://news.example', TRUST_PROXY: '10.0.0.0/8' }).trustProxy).toBe('10.0.0.0/8');
  });

  it('when several settings are bad, then each is named', () => {
    const problems = problemsOf({ PORT: '-1', LOG_LEVEL: 'loud' });
    expect(problems.map((p) => p.split(' ')[0]).sort()).toEqual(['LOG_LEVEL', 'PORT']);
  });

  it('when the session secret is bad, then its value is not echoed', () => {
    expect(problemsOf({ SESSION_SECRET: 'hunter2' })[0]).not.toContain('hunter2');
  });

  it('when a URL with credentials is bad, then it is shown without them', () => {
    const [problem] = problemsOf({ DATABASE_URL: 'mysql://app:hunter2@db/x' });
    expect(problem).toBe('DATABASE_URL must be a URL starting with postgres:// or postgresql:// (got "mysql://***@db/x")');
  });

  it('when Sentinel is configured, then the sentinels are parsed and REDIS_URL names the master', () => {
    const config = parseConfig({ REDIS_URL: 'redis://:pw@mymaster/2', REDIS_SENTINELS: 'sentinel-a:26379, 10.0.0.7:26380,[::1]:26381', REDIS_SENTINEL_PASSWORD: 'sp' });
    expect(config.redisSentinels).toEqual([
      { host: 'sentinel-a', port: 26379 },
      { host: '10.0.0.7', port: 26380 },
      { host: '::1', port: 26381 },
    ]);
    expect(config.redisSentinelPassword).toBe('sp');
    expect(parseConfig({}).redisSentinels).toBeUndefined();
  });

  it.each(['sentinel-a', 'a:1,b', 'a:99999', 'a:1;b:2'])('when REDIS_SENTINELS is %j, then it is refused by name', (value) => {
    expect(problemsOf({ REDIS_URL: 'redis://mymaster', REDIS_SENTINELS: value })).toEqual([expect.stringMatching(/^REDIS_SENTINELS must be a comma-separated list of host:port/)]);
  });

  it('when REDIS_SENTINELS comes without REDIS_URL, then REDIS_URL is asked for', () => {
    expect(problemsOf({ REDIS_SENTINELS: 'a:26379' })).toEqual([expect.stringMatching(/^REDIS_URL is required with REDIS_SENTINELS/)]);
  });
});

describe('MAIL_FROM', () => {
  it('when set, then mail comes from it; when unset, from the site name at the public host; a bad one is refused', () => {
    expect(parseConfig({ MAIL_FROM: 'The Ledger <news@ledger.example>' }).mailFrom).toBe('The Ledger <news@ledger.example>');
    expect(parseConfig({ MAIL_FROM: 'news@ledger.example' }).mailFrom).toBe('news@ledger.example');
    expect(parseConfig({}).mailFrom).toBeUndefined();
    expect(problemsOf({ MAIL_FROM: 'not an address' })).toEqual([expect.stringMatching(/^MAIL_FROM must be an address/)]);
    expect(problemsOf({ MAIL_FROM: 'a@b.example\r\nBcc: x@y.example' })).toEqual([expect.stringMatching(/^MAIL_FROM must be an address/)]);
  });
});

describe('IMG_SRC', () => {
  it('when set, then its origins are allowed for pictures; a path, a bad scheme or junk is refused', () => {
    expect(parseConfig({ IMG_SRC: 'https://img.example.com, https://cdn.example:8443' }).imageSources).toEqual(['https://img.example.com', 'https://cdn.example:8443']);
    expect(parseConfig({}).imageSources).toEqual([]);
    expect(problemsOf({ IMG_SRC: 'https://img.example.com/pictures' })).toEqual([expect.stringMatching(/^IMG_SRC must be a comma-separated list of origins/)]);
    expect(problemsOf({ IMG_SRC: "javascript:alert(1)" })).toEqual([expect.stringMatching(/^IMG_SRC/)]);
    expect(problemsOf({ IMG_SRC: "https://a.example 'unsafe-inline'" })).toEqual([expect.stringMatching(/^IMG_SRC/)]);
  });
});

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

describe('THEME_DIR', () => {
  it('when set to a folder, then templates and theme.css come from it; unset, none; a missing folder or a file is refused, naming the variable', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-theme-'));
    try {
      expect(parseConfig({ THEME_DIR: dir }).themeDir).toBe(dir);
      expect(parseConfig({}).themeDir).toBeUndefined();
      expect(parseConfig({ THEME_DIR: '  ' }).themeDir).toBeUndefined();
      expect(problemsOf({ THEME_DIR: path.join(dir, 'missing') })).toEqual([expect.stringMatching(/^THEME_DIR must be an existing folder .*\(got ".*missing"\)$/)]);
      fs.writeFileSync(path.join(dir, 'layout.eta'), '');
      expect(problemsOf({ THEME_DIR: path.join(dir, 'layout.eta') })).toEqual([expect.stringMatching(/^THEME_DIR must be an existing folder/)]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('LOCALE', () => {
  it('when unset, then pages and mails are in English; when de, in German; an unknown one is refused, naming the variable and the choices', () => {
    expect(parseConfig({}).locale).toBe('en');
    expect(parseConfig({ LOCALE: 'de' }).locale).toBe('de');
    expect(problemsOf({ LOCALE: 'fr' })).toEqual([expect.stringMatching(/^LOCALE must be one of en, de \(got "fr"\)$/)]);
  });
});
