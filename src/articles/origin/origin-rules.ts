import { match, type MatchFunction } from 'path-to-regexp';
import { wildcardsNamed, type OriginCms } from '../../config/config';

/** A reader's request target as Gatehouse matches it and as it sends it on to the origin. */
export interface RequestTarget {
  /** Decoded once, dot segments resolved, runs of slashes collapsed, then re-encoded: what the origin is asked for. */
  readonly path: string;
  /** The query as the reader sent it, with its `?` ('' for none). */
  readonly search: string;
  /**
   * The path decoded until stable (so `%252F` is `/`), backslashes as slashes, collapsed,
   * dot segments resolved and lower-cased: what the block rules look at, so that no
   * encoding, doubling or change of case walks around a rule.
   */
  readonly matchPath: string;
  /** Query parameter names, decoded and lower-cased. */
  readonly queryNames: ReadonlySet<string>;
}

/** Resolves `.` and `..` segments and collapses runs of slashes in an absolute path. */
function tidy(path: string): string {
  const out: string[] = [];
  const segments = path.split('/');
  for (const segment of segments.slice(1)) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  const trailing = segments.length > 1 && ['', '.', '..'].includes(segments[segments.length - 1]!) && out.length > 0;
  return `/${out.join('/')}${trailing ? '/' : ''}`;
}

function decodeUntilStable(text: string): string | undefined {
  let current = text;
  for (let i = 0; i < 4; i += 1) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      return undefined;
    }
    if (next === current) return current;
    current = next;
  }
  return current;
}

/**
 * Reads a request target, or undefined for one Gatehouse refuses (not origin-form, a NUL or
 * control character, broken percent-encoding): such a request gets a 400, never the origin.
 */
export function readTarget(url: string): RequestTarget | undefined {
  if (!url.startsWith('/')) return undefined;
  const queryAt = url.indexOf('?');
  const rawPath = queryAt === -1 ? url : url.slice(0, queryAt);
  const search = queryAt === -1 ? '' : url.slice(queryAt);
  const decoded = decodeUntilStable(rawPath);
  // eslint-disable-next-line no-control-regex
  if (decoded === undefined || /[\u0000-\u001f\u007f]/.test(decoded)) return undefined;
  let once: string;
  try {
    once = decodeURIComponent(rawPath);
  } catch {
    return undefined;
  }
  const path = tidy(once)
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/%(?:40|3A|2C|3B|3D|2B|24|21|7E|2A|27|28|29)/gi, (m) => decodeURIComponent(m)))
    .join('/');
  // A NUL or control character in the query is refused like one in the path.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(decodeUntilStable(search) ?? '\u0000')) return undefined;
  const queryNames = new Set<string>();
  for (const name of new URLSearchParams(search).keys()) {
    const lower = (decodeUntilStable(name) ?? name).toLowerCase();
    queryNames.add(lower);
    // PHP reads `rest.route`, `rest route` and `rest[route` all as `rest_route`.
    queryNames.add(lower.replace(/[. []/g, '_').replace(/\].*$/, ''));
  }
  // `;` parameters (`/a;x/b`) name the same resource on many servers: matched without them.
  const matchPath = tidy(decoded.replace(/\\/g, '/').replace(/;[^/]*/g, '')).toLowerCase();
  return { path, search, matchPath, queryNames };
}

type PathMatcher = MatchFunction<Partial<Record<string, string | string[]>>>;

function matchers(patterns: readonly string[]): PathMatcher[] {
  return patterns.map((pattern) => match(wildcardsNamed(pattern), { sensitive: false, trailing: true, decode: false }));
}

/**
 * Doors of each CMS that would give a gated article's whole text to anyone who asks: their
 * APIs, previews, embeds, AMP and print views. Feeds, search and archives stay open: they are
 * cut (feeds to each item's lead-in) or scrubbed (the second line of defence) instead.
 */
const cmsRules: Record<OriginCms, { readonly paths: readonly string[]; readonly queryNames: readonly string[]; readonly pathInfoPrefix?: string }> = {
  generic: { paths: [], queryNames: [] },
  wordpress: {
    paths: ['/wp-json', '/wp-json/*', '/xmlrpc.php', '/wp-admin', '/wp-admin/*', '/wp-login.php', '/*/embed', '/*/amp', '/amp/*', '/*/print', '/print/*', '/*/trackback', '/wp-content/uploads/*.php'],
    // WordPress also routes `/index.php/<path>` (PATH_INFO) as `<path>`: every rule applies there too.
    pathInfoPrefix: '/index.php',
    // rest_route is the REST API without pretty permalinks; preview and friends show drafts
    // and revisions; embed, amp and print are other renderings of the same post.
    queryNames: ['rest_route', '_jsonp', 'preview', 'preview_id', 'preview_nonce', '_thumbnail_id', 'embed', 'amp', 'print', 'oembed'],
  },
  ghost: {
    // The Content and Admin APIs, the members API, previews of drafts, emails' web copies.
    paths: ['/ghost', '/ghost/*', '/members/api/*', '/p/*', '/email/*', '/*/amp', '/amp/*'],
    queryNames: ['amp'],
  },
};

export interface OriginRules {
  /** A path answered 404: a CMS door in the rule set, or a publisher's ORIGIN_BLOCK_PATHS pattern. */
  isBlocked(target: RequestTarget): boolean;
  /** Whether a path may be an article page (ORIGIN_ARTICLE_PATHS; every path when unset). */
  isArticlePath(path: string): boolean;
}

export function buildOriginRules(options: { readonly cms: OriginCms; readonly blockPaths: readonly string[]; readonly articlePaths: readonly string[] | undefined }): OriginRules {
  const rules = cmsRules[options.cms];
  const blocked = matchers([...rules.paths, ...options.blockPaths].map((p) => p.toLowerCase()));
  const articles = options.articlePaths === undefined ? undefined : matchers(options.articlePaths);
  return {
    isBlocked(target) {
      if (rules.queryNames.some((name) => target.queryNames.has(name))) return true;
      const prefix = rules.pathInfoPrefix;
      const paths = prefix !== undefined && target.matchPath.startsWith(`${prefix}/`) ? [target.matchPath, target.matchPath.slice(prefix.length)] : [target.matchPath];
      return paths.some((path) => blocked.some((m) => m(path) !== false));
    },
    isArticlePath(path) {
      if (articles === undefined) return true;
      const decoded = decodeUntilStable(path) ?? path;
      return articles.some((m) => m(decoded) !== false || m(path) !== false);
    },
  };
}

/** A request URL without its `gift` query parameters (however many), the rest of the query as sent. */
export function withoutGiftParam(url: string): string {
  const queryAt = url.indexOf('?');
  if (queryAt === -1) return url;
  const kept = url
    .slice(queryAt + 1)
    .split('&')
    .filter((part) => {
      const name = part.split('=')[0]!.replace(/\+/g, ' ');
      try {
        return decodeURIComponent(name) !== 'gift';
      } catch {
        return true;
      }
    });
  return kept.length === 0 ? url.slice(0, queryAt) : `${url.slice(0, queryAt)}?${kept.join('&')}`;
}
