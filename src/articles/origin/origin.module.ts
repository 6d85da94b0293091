import { Router, type Request, type RequestHandler } from 'express';
import type Redis from 'ioredis';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../../config/clock';
import type { OriginConfig } from '../../config/config';
import { AppError } from '../../http/app-error';
import type { Database } from '../../store/schema';
import type { ArticleGate, PlansForDisplay } from '../ports';
import type { VisitorOf } from '../visitor';
import { KnownArticles } from './known-articles';
import { buildOriginChrome } from './origin-chrome';
import { OriginClient } from './origin-client';
import { OriginCache } from './origin-cache';
import { originProxy } from './origin-proxy';
import { buildOriginRules, readTarget } from './origin-rules';
import { RedisPurgeBus, SqlPurgeBus } from './purge-bus';

export type PurgeRequest = { readonly paths: readonly string[] } | { readonly all: true };

export interface OriginDeps {
  readonly messages: import('../../http/i18n').Messages;
  readonly config: OriginConfig;
  readonly publicUrl: URL;
  readonly gate: ArticleGate;
  readonly visitorOf: VisitorOf;
  readonly plans: PlansForDisplay;
  readonly billingConfigured: boolean;
  readonly redis: Redis | undefined;
  readonly keyPrefix: string;
  readonly db: Kysely<Database>;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly csrfToken: (req: Request) => string;
  /** THEME_DIR's theme.css, linked after origin.css; undefined: none. */
  readonly themeStylesheet: string | undefined;
}

export interface OriginModule {
  /** Every request that is not one of Gatehouse's own: to the origin and back, cut. */
  readonly proxy: RequestHandler;
  /** `GET /api/access/*path`: the decision for the origin article at that path, counting nothing. */
  readonly accessRoutes: Router;
  /**
   * The path a request names once decoded, dot segments resolved and slashes collapsed, as the
   * proxy would ask the origin for it (undefined when it is no path): Gatehouse's own paths are
   * told by it, so that `/%61dmin` or `//gifts` never reach the CMS's page at that path.
   */
  tidiedPath(url: string): string | undefined;
  /** The origin article at a path, or undefined (for gift links). */
  articleAt(path: string): Promise<{ readonly identity: string; readonly path: string; readonly title: string } | undefined>;
  /** Drops cached pages on every instance (`POST /admin/api/origin/purge`). */
  purge(request: PurgeRequest): Promise<void>;
  close(): Promise<void>;
}

export function buildOrigin(deps: OriginDeps): OriginModule {
  const { config } = deps;
  const client = new OriginClient(config, deps.publicUrl);
  const bus = deps.redis !== undefined ? new RedisPurgeBus(deps.redis, `${deps.keyPrefix}origin:purge`, deps.logger) : new SqlPurgeBus(deps.db, { clock: deps.clock, logger: deps.logger });
  const cache = new OriginCache({ maxBytes: config.cacheBytes, redis: deps.redis, keyPrefix: deps.keyPrefix, clock: deps.clock, logger: deps.logger, bus });
  const rules = buildOriginRules(config);
  // About 100 bytes of heap per fingerprint: a quarter of the cache's budget again at most.
  const known = new KnownArticles(deps.gate, Math.max(10_000, Math.floor(config.cacheBytes / 400)));
  const chrome = buildOriginChrome({ csrfToken: deps.csrfToken, plans: deps.plans, billingConfigured: deps.billingConfigured });
  const proxy = originProxy({ messages: deps.messages, config, publicUrl: deps.publicUrl, client, cache, rules, known, gate: deps.gate, visitorOf: deps.visitorOf, chrome, logger: deps.logger, themeStylesheet: deps.themeStylesheet });

  const accessRoutes = Router();
  accessRoutes.get('/api/access/*path', async (req, res) => {
    // The origin path as the reader wrote it, after /api/access.
    const path = req.originalUrl.slice('/api/access'.length).split('?')[0]!;
    const decision = await proxy.decisionAt(req, res, path);
    if (decision === undefined) throw new AppError(404, 'There is no article at this path.');
    res.set('Cache-Control', 'private, no-store');
    res.json({ decision: decision.decision, limit: decision.limit, remaining: decision.remaining });
  });

  return {
    proxy: proxy.handler,
    accessRoutes,
    articleAt: (path) => proxy.articleAt(path),
    tidiedPath: (url) => readTarget(url)?.matchPath,
    // Keys are tidied request paths (origin-rules' readTarget): a purge path is read the same
    // way, so WordPress's `caf%c3%a9` finds `caf%C3%A9`.
    purge: (request) => {
      if ('all' in request) return cache.purge(request);
      const paths = request.paths.map((path) => readTarget(path.split('?')[0]!)?.path);
      if (paths.some((path) => path === undefined)) throw new AppError(400, 'A purge path cannot be read as an address.');
      return cache.purge({ paths: paths as string[] });
    },
    async close() {
      await cache.close();
      await client.close();
    },
  };
}
