import fs from 'node:fs';
import path from 'node:path';
import ipaddr from 'ipaddr.js';
import { compile as compileSelector } from 'css-select';
import { pathToRegexp } from 'path-to-regexp';
import { z } from 'zod';
import { bundledContentDir } from './paths';
import { parseOidcProviders, type OidcProviderConfig } from './oidc-config';

export type { OidcProviderConfig } from './oidc-config';

/** The message catalogs there are (src/http/messages/): LOCALE picks one. */
export const locales = ['en', 'de'] as const;
export type Locale = (typeof locales)[number];

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

const urlWithProtocols = (protocols: string[]) =>
  optionalString.refine(
    (value) => {
      if (value === undefined) return true;
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` },
  );

/** `googlebot=path-or-url,bingbot=path-or-url`: each crawler's published ranges (SPEC section 12). */
const crawlerIpRanges = optionalString.transform((value, ctx): Partial<Record<'googlebot' | 'bingbot', string>> => {
  if (value === undefined) return {};
  const ranges: Partial<Record<'googlebot' | 'bingbot', string>> = {};
  for (const entry of value.split(',')) {
    const m = /^\s*(googlebot|bingbot)=(\S+)\s*$/.exec(entry);
    if (m === null || ranges[m[1] as 'googlebot'] !== undefined) {
      ctx.addIssue({ code: 'custom', message: 'must be a comma-separated list of googlebot=<file or URL> and bingbot=<file or URL>, each at most once' });
      return z.NEVER;
    }
    ranges[m[1] as 'googlebot' | 'bingbot'] = m[2]!;
  }
  return ranges;
});

/** DNS servers as Node's resolver takes them: IP addresses (not names), with an optional port. */
const dnsServers = optionalString.transform((value, ctx) => {
  if (value === undefined) return undefined;
  const servers = value.split(',').map((entry) => {
    const m = /^\s*(?:\[([0-9a-fA-F:.]+)\]|([0-9.]+)|([0-9a-fA-F:]*:[0-9a-fA-F:]*))(?::(\d{1,5}))?\s*$/.exec(entry);
    const host = m?.[1] ?? m?.[2] ?? m?.[3];
    const port = m?.[4] === undefined ? 53 : Number(m[4]);
    if (host === undefined || !ipaddr.isValid(host) || port < 1 || port > 65535 || (m?.[3] !== undefined && m[4] !== undefined)) return undefined;
    return ipaddr.parse(host).kind() === 'ipv6' ? `[${host}]:${port}` : `${host}:${port}`;
  });
  if (servers.some((s) => s === undefined)) {
    ctx.addIssue({ code: 'custom', message: 'must be a comma-separated list of IP addresses with optional ports (1.1.1.1:53, [2606:4700:4700::1111]:53)' });
    return z.NEVER;
  }
  return servers as string[];
});

/** Express's `trust proxy` accepts a boolean, a hop count or a list of addresses/subnets. */
const trustProxy = optionalString.transform((value): boolean | number | string => {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
});

const hostPortList = optionalString.transform((value, ctx) => {
  if (value === undefined) return undefined;
  const nodes = value.split(',').map((entry) => /^\s*([^\s:,]+|\[[0-9a-fA-F:]+\]):(\d{1,5})\s*$/.exec(entry));
  if (nodes.some((m) => m === null || Number(m[2]) < 1 || Number(m[2]) > 65535)) {
    ctx.addIssue({ code: 'custom', message: 'must be a comma-separated list of host:port' });
    return z.NEVER;
  }
  return nodes.map((m) => ({ host: m![1]!.replace(/^\[|\]$/g, ''), port: Number(m![2]) }));
});

/**
 * ORIGIN_ARTICLE_PATHS and ORIGIN_BLOCK_PATHS: comma-separated path patterns in
 * path-to-regexp syntax (`/:year/:month/:slug/`, `/amp/*rest`); a bare `*` is a wildcard
 * for anything, as in URLPattern. Each must compile, so a typo stops the process here.
 */
const pathPatterns = optionalString.transform((value, ctx): string[] | undefined => {
  if (value === undefined) return undefined;
  const patterns = value.split(',').map((p) => p.trim()).filter((p) => p !== '');
  for (const pattern of patterns) {
    try {
      if (!pattern.startsWith('/')) throw new Error('must start with /');
      pathToRegexp(wildcardsNamed(pattern));
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `has a pattern that does not compile: "${pattern}" (${(error as Error).message.split('\n')[0]})` });
      return z.NEVER;
    }
  }
  return patterns;
});

/** URLPattern's bare `*` as path-to-regexp's named wildcard. */
export function wildcardsNamed(pattern: string): string {
  let n = 0;
  return pattern.replace(/\*(?![A-Za-z_$])/g, () => `*wild${n++}`);
}

/** A CSS selector as the cut will use it (css-select), checked once here. */
const cssSelector = optionalString.refine(
  (value) => {
    if (value === undefined) return true;
    try {
      compileSelector(value);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be a CSS selector (e.g. article, .entry-content)' },
);

const commaList = optionalString.transform((value) => (value === undefined ? [] : value.split(',').map((v) => v.trim()).filter((v) => v !== '')));

const environmentSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    PUBLIC_URL: urlWithProtocols(['http:', 'https:']),
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    DATA_DIR: z.string().min(1).default('./data'),
    DATABASE_URL: urlWithProtocols(['postgres:', 'postgresql:']),
    MIGRATION_DATABASE_URL: urlWithProtocols(['postgres:', 'postgresql:']),
    REDIS_URL: urlWithProtocols(['redis:', 'rediss:']),
    REDIS_KEY_PREFIX: z.string().max(64).default('gatehouse:'),
    REDIS_SENTINELS: hostPortList,
    REDIS_CLUSTER_NODES: hostPortList,
    REDIS_CLUSTER_USERNAME: optionalString,
    REDIS_CLUSTER_PASSWORD: optionalString,
    REDIS_CLUSTER_TLS: z.enum(['true', 'false'], { error: 'must be "true" or "false"' }).default('false'),
    REDIS_SENTINEL_PASSWORD: optionalString,
    SESSION_SECRET: optionalString.refine((value) => value === undefined || value.length >= 32, {
      message: 'must be at least 32 characters',
    }),
    SESSION_MAX_AGE_DAYS: z.coerce.number().int().min(1).max(400).default(30),
    SESSION_ABSOLUTE_DAYS: z.coerce.number().int().min(1).max(400).default(90),
    CONTENT_DIR: optionalString,
    // The publisher's templates and theme.css, overriding the bundled ones by name.
    THEME_DIR: optionalString.refine((value) => value === undefined || fs.statSync(value, { throwIfNoEntry: false })?.isDirectory() === true, {
      message: 'must be an existing folder (of templates such as layout.eta, and an optional theme.css)',
    }),
    STRIPE_SECRET_KEY: optionalString,
    STRIPE_WEBHOOK_SECRET: optionalString,
    STRIPE_API_URL: urlWithProtocols(['http:', 'https:']),
    SMTP_URL: urlWithProtocols(['smtp:', 'smtps:']),
    // Origins pictures may come from (an image CDN): `https://img.example.com,https://cdn.example`.
    IMG_SRC: optionalString.transform((value, ctx) => {
      if (value === undefined) return [];
      const sources = value.split(',').map((v) => v.trim()).filter((v) => v !== '');
      for (const source of sources) {
        if (!URL.canParse(source) || !['https:', 'http:'].includes(new URL(source).protocol) || new URL(source).origin !== source.replace(/\/$/, '')) {
          ctx.addIssue({ code: 'custom', message: `must be a comma-separated list of origins such as https://img.example.com (got "${source}")` });
          return z.NEVER;
        }
      }
      return sources.map((source) => new URL(source).origin);
    }),
    // `news@example.com` or `The Ledger <news@example.com>`; no line breaks (a header's value).
    MAIL_FROM: optionalString.refine((value) => value === undefined || /^(?:[^<>\r\n]*<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/.test(value), {
      message: 'must be an address (news@example.com) or a name and address (The Ledger <news@example.com>)',
    }),
    TRUST_PROXY: trustProxy,
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    PAST_DUE_GRACE_DAYS: z.coerce.number().int().min(0).max(60).default(7),
    LOCALE: z.enum(locales, { error: `must be one of ${locales.join(', ')}` }).default('en'),
    SITE_NAME: z.string().trim().min(1).max(80).default('The Harbour Ledger'),
    PASSWORD_MIN_LENGTH: z.coerce.number().int().min(8).max(64).default(8),
    CRAWLER_IP_RANGES: crawlerIpRanges,
    CRAWLER_DNS_SERVERS: dnsServers,
    ORIGIN_URL: urlWithProtocols(['http:', 'https:']).refine((value) => value === undefined || !URL.canParse(value) || (new URL(value).pathname === '/' && new URL(value).search === ''), {
      message: 'must be the origin itself, without a path or query (e.g. http://cms.internal:8080)',
    }),
    ORIGIN_SECRET: optionalString,
    ORIGIN_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5000),
    ORIGIN_ARTICLE_PATHS: pathPatterns,
    ORIGIN_ARTICLE_SELECTOR: cssSelector.transform((value) => value ?? 'article'),
    ORIGIN_BLOCK_PATHS: pathPatterns,
    ORIGIN_CMS: z.enum(['generic', 'wordpress', 'ghost'], { error: 'must be generic, wordpress or ghost' }).default('generic'),
    ORIGIN_CACHE_MB: z.coerce.number().int().min(1).max(65_536).default(64),
    ORIGIN_PASS_COOKIES: commaList,
    ORIGIN_ACCOUNT_BAR_SELECTOR: cssSelector,
    ORIGIN_MAX_BODY_KB: z.coerce.number().int().min(1).max(1_048_576).default(10_240),
    ORIGIN_CONNECTIONS: z.coerce.number().int().min(1).max(1024).default(64),
    ADMIN_REQUIRE_PASSKEY: z.enum(['true', 'false'], { error: 'must be "true" or "false"' }).default('false'),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && env.SESSION_SECRET === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['SESSION_SECRET'],
        message: 'is required when NODE_ENV=production (at least 32 random characters)',
      });
    }
    if (env.NODE_ENV === 'production' && env.PUBLIC_URL === undefined) {
      ctx.addIssue({ code: 'custom', path: ['PUBLIC_URL'], message: 'is required when NODE_ENV=production: the address readers use, e.g. https://news.example' });
    }
    // Behind a proxy, `true` trusts every X-Forwarded-For hop, so any client could choose
    // its own address and walk past every per-address limit.
    if (env.NODE_ENV === 'production' && env.TRUST_PROXY === true) {
      ctx.addIssue({ code: 'custom', path: ['TRUST_PROXY'], message: 'must not be "true" in production (any client could forge X-Forwarded-For): give the number of proxies in front of Gatehouse (e.g. 1) or their addresses (e.g. 10.0.0.0/8)' });
    }
    if (env.REDIS_CLUSTER_NODES !== undefined && env.REDIS_URL !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['REDIS_CLUSTER_NODES'], message: 'and REDIS_URL must not both be set: give REDIS_URL for one server or Sentinel, REDIS_CLUSTER_NODES for a Redis Cluster' });
    }
    if (env.REDIS_CLUSTER_NODES !== undefined && env.REDIS_SENTINELS !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['REDIS_SENTINELS'], message: 'does not apply to a Redis Cluster (REDIS_CLUSTER_NODES): a cluster promotes its own replicas' });
    }
    if (env.MIGRATION_DATABASE_URL !== undefined && env.DATABASE_URL === undefined) {
      ctx.addIssue({ code: 'custom', path: ['DATABASE_URL'], message: 'is required with MIGRATION_DATABASE_URL: the app\'s own connection (e.g. through PgBouncer)' });
    }
    if (env.REDIS_SENTINELS !== undefined && env.REDIS_URL === undefined && env.REDIS_CLUSTER_NODES === undefined) {
      ctx.addIssue({ code: 'custom', path: ['REDIS_URL'], message: 'is required with REDIS_SENTINELS: redis://[:password@]<master name>[/db]' });
    }
  });

export interface Config {
  readonly port: number;
  readonly publicUrl: URL;
  readonly nodeEnv: 'development' | 'production' | 'test';
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  /**
   * Where `gatehouse migrate` connects: MIGRATION_DATABASE_URL, else DATABASE_URL. Kysely's
   * migrator holds a session-level advisory lock, so this must be a direct connection, never
   * a transaction pool such as PgBouncer's.
   */
  readonly migrationDatabaseUrl: string | undefined;
  readonly redisUrl: string | undefined;
  /** A Redis Cluster's seed nodes (instead of REDIS_URL). */
  readonly redisClusterNodes: ReadonlyArray<{ readonly host: string; readonly port: number }> | undefined;
  /** A Cluster's AUTH (ACL user and password) and TLS to its nodes, as managed clusters require. */
  readonly redisCluster: { readonly username: string | undefined; readonly password: string | undefined; readonly tls: boolean };
  /**
   * With Sentinel, REDIS_URL's host is the name of the monitored master (its password and
   * database still apply), and these are the sentinels that say where that master is.
   */
  readonly redisSentinels: ReadonlyArray<{ readonly host: string; readonly port: number }> | undefined;
  readonly redisSentinelPassword: string | undefined;
  readonly redisKeyPrefix: string;
  /** Undefined on the embedded default until main.ts loads or creates one in DATA_DIR. */
  readonly sessionSecret: string | undefined;
  /** How long a session lives since its last use. */
  readonly sessionMaxAgeMs: number;
  /** How long a session lives since its sign-in, however active (ASVS 7.3.2). */
  readonly sessionAbsoluteMaxAgeMs: number;
  readonly contentDir: string;
  /** THEME_DIR: templates and a theme.css that override the bundled ones by name; undefined: none. */
  readonly themeDir: string | undefined;
  readonly stripe: {
    readonly secretKey: string | undefined;
    readonly webhookSecret: string | undefined;
    readonly apiUrl: URL | undefined;
    /** How long a past_due subscription keeps its reader a subscriber. */
    readonly pastDueGraceDays: number;
  };
  readonly smtpUrl: string | undefined;
  /** Origins the pages may load pictures from (IMG_SRC), beside their own. */
  readonly imageSources: readonly string[];
  /** The From of every mail; undefined: `SITE_NAME <no-reply@PUBLIC_URL's host>`. */
  readonly mailFrom: string | undefined;
  readonly trustProxy: boolean | number | string;
  readonly logLevel: string;
  readonly passwordMinLength: number;
  /** The publication's name in page titles and the masthead. */
  readonly siteName: string;
  /** The language of every reader-facing page and mail (LOCALE). */
  readonly locale: Locale;
  /** Each crawler's published ranges: a file path or an http(s) URL (CRAWLER_IP_RANGES). */
  readonly crawlerIpRanges: Readonly<Partial<Record<'googlebot' | 'bingbot', string>>>;
  /** The resolvers that verify crawlers (CRAWLER_DNS_SERVERS); undefined: the system's. */
  readonly crawlerDnsServers: readonly string[] | undefined;
  /** The upstream CMS Gatehouse sits in front of (SPEC section 11); undefined: the Markdown folder. */
  readonly origin: OriginConfig | undefined;
  /** "Continue with <label>" providers (OIDC_PROVIDERS), in the order listed. */
  readonly oidcProviders: readonly OidcProviderConfig[];
  /** Admins sign in with a passkey as a second factor before the admin opens (ADMIN_REQUIRE_PASSKEY). */
  readonly adminRequirePasskey: boolean;
}

export type OriginCms = 'generic' | 'wordpress' | 'ghost';

export interface OriginConfig {
  readonly url: URL;
  /** Sent on every origin request as X-Gatehouse-Origin-Secret, so the CMS can refuse anyone else. */
  readonly secret: string | undefined;
  readonly timeoutMs: number;
  /** Path patterns of article pages; undefined: every path. */
  readonly articlePaths: readonly string[] | undefined;
  readonly articleSelector: string;
  /** Path patterns answered 404, beside the CMS's own rule set. */
  readonly blockPaths: readonly string[];
  readonly cms: OriginCms;
  readonly cacheBytes: number;
  /** Names of the origin's cookies that may reach readers; every other Set-Cookie is dropped. */
  readonly passCookies: readonly string[];
  /** Where the account bar goes; undefined: first thing in <body>. */
  readonly accountBarSelector: string | undefined;
  /** The largest request body passed on to the origin. */
  readonly maxBodyBytes: number;
  /** The connection pool's bound. */
  readonly connections: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** The bad value, for the error message: never a secret, and URLs without their credentials. */
function shownValue(variable: string, received: string | undefined): string {
  if (received === undefined || /SECRET|PASSWORD|KEY/.test(variable)) return '';
  return ` (got "${received.replace(/\/\/[^/@\s]*@/g, '//***@')}")`;
}

/** Parses the environment once; every bad variable is named in the error. */
export function parseConfig(env: NodeJS.ProcessEnv): Config {
  const result = environmentSchema.safeParse(env);
  const oidc = parseOidcProviders(env);
  if (!result.success || oidc.problems.length > 0) {
    const problems = (result.error?.issues ?? []).map((issue) => {
      const variable = issue.path.join('.') || 'environment';
      const shown = shownValue(variable, env[variable]);
      return `${variable} ${issue.message}${shown}`;
    });
    throw new ConfigError([...problems, ...oidc.problems]);
  }
  const e = result.data;
  return Object.freeze({
    port: e.PORT,
    publicUrl: new URL(e.PUBLIC_URL ?? `http://localhost:${e.PORT}`),
    nodeEnv: e.NODE_ENV,
    dataDir: path.resolve(e.DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    migrationDatabaseUrl: e.MIGRATION_DATABASE_URL ?? e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    redisClusterNodes: e.REDIS_CLUSTER_NODES,
    redisCluster: Object.freeze({ username: e.REDIS_CLUSTER_USERNAME, password: e.REDIS_CLUSTER_PASSWORD, tls: e.REDIS_CLUSTER_TLS === 'true' }),
    redisSentinels: e.REDIS_SENTINELS,
    redisSentinelPassword: e.REDIS_SENTINEL_PASSWORD,
    redisKeyPrefix: e.REDIS_KEY_PREFIX,
    sessionSecret: e.SESSION_SECRET,
    sessionMaxAgeMs: e.SESSION_MAX_AGE_DAYS * 24 * 60 * 60 * 1000,
    sessionAbsoluteMaxAgeMs: e.SESSION_ABSOLUTE_DAYS * 24 * 60 * 60 * 1000,
    contentDir: path.resolve(e.CONTENT_DIR ?? bundledContentDir),
    themeDir: e.THEME_DIR === undefined ? undefined : path.resolve(e.THEME_DIR),
    stripe: Object.freeze({
      secretKey: e.STRIPE_SECRET_KEY,
      webhookSecret: e.STRIPE_WEBHOOK_SECRET,
      apiUrl: e.STRIPE_API_URL === undefined ? undefined : new URL(e.STRIPE_API_URL),
      pastDueGraceDays: e.PAST_DUE_GRACE_DAYS,
    }),
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    imageSources: e.IMG_SRC,
    trustProxy: e.TRUST_PROXY,
    logLevel: e.LOG_LEVEL,
    passwordMinLength: e.PASSWORD_MIN_LENGTH,
    siteName: e.SITE_NAME,
    locale: e.LOCALE,
    crawlerIpRanges: Object.freeze(e.CRAWLER_IP_RANGES),
    crawlerDnsServers: e.CRAWLER_DNS_SERVERS,
    origin:
      e.ORIGIN_URL === undefined
        ? undefined
        : Object.freeze({
            url: new URL(e.ORIGIN_URL),
            secret: e.ORIGIN_SECRET,
            timeoutMs: e.ORIGIN_TIMEOUT_MS,
            articlePaths: e.ORIGIN_ARTICLE_PATHS,
            articleSelector: e.ORIGIN_ARTICLE_SELECTOR,
            blockPaths: e.ORIGIN_BLOCK_PATHS ?? [],
            cms: e.ORIGIN_CMS,
            cacheBytes: e.ORIGIN_CACHE_MB * 1024 * 1024,
            passCookies: e.ORIGIN_PASS_COOKIES,
            accountBarSelector: e.ORIGIN_ACCOUNT_BAR_SELECTOR,
            maxBodyBytes: e.ORIGIN_MAX_BODY_KB * 1024,
            connections: e.ORIGIN_CONNECTIONS,
          }),
    oidcProviders: Object.freeze(oidc.providers),
    adminRequirePasskey: e.ADMIN_REQUIRE_PASSKEY === 'true',
  });
}
