import path from 'node:path';
import type { Store } from 'express-session';
import { RedisStore } from 'connect-redis';
import type Redis from 'ioredis';
import pino, { type Logger } from 'pino';
import type { Config } from './config/config';
import { openDatabase, type DatabaseHandle } from './store/database';
import { openRedis } from './store/redis';
import { SqlSessionStore } from './store/session-store.sql';
import { AccountsRepository } from './auth/accounts.repository';
import { AccountsService } from './auth/accounts.service';
import { SigninThrottle, type ThrottleLimits } from './auth/signin-throttle';
import { PoliciesRepository } from './consent/policies.repository';
import { MarkdownArticleSource } from './articles/markdown-source';
import type { ArticleSource } from './articles/article';

/** Everything createApp needs, built once by main.ts (or a test) from the config. */
export interface AppDeps {
  readonly config: Config & { readonly sessionSecret: string };
  readonly logger: Logger;
  readonly database: DatabaseHandle;
  readonly redis: Redis | undefined;
  readonly sessionStore: Store;
  readonly articles: ArticleSource;
  readonly accountsRepository: AccountsRepository;
  readonly accounts: AccountsService;
  readonly policies: PoliciesRepository;
  readonly throttle: SigninThrottle;
  close(): Promise<void>;
}

export interface BuildOptions {
  readonly logger?: Logger;
  readonly throttleLimits?: ThrottleLimits;
  readonly clock?: () => Date;
}

export async function buildDeps(config: Config & { readonly sessionSecret: string }, options: BuildOptions = {}): Promise<AppDeps> {
  const logger = options.logger ?? pino({ level: config.logLevel });
  const database = openDatabase({ databaseUrl: config.databaseUrl, sqliteFile: path.join(config.dataDir, 'gatehouse.sqlite') });
  let redis: Redis | undefined;
  try {
    if (config.redisUrl !== undefined) {
      redis = openRedis(config.redisUrl);
      await redis.connect();
    }
    const sessionStore: Store =
      redis === undefined
        ? new SqlSessionStore(database.db, { defaultMaxAgeMs: config.sessionMaxAgeMs })
        : new RedisStore({ client: redis, prefix: `${config.redisKeyPrefix}sess:`, ttl: config.sessionMaxAgeMs / 1000 });
    const accountsRepository = new AccountsRepository(database.db);
    const policies = new PoliciesRepository(database.db);
    const articles = await MarkdownArticleSource.load(config.contentDir);
    return {
      config,
      logger,
      database,
      redis,
      sessionStore,
      articles,
      accountsRepository,
      policies,
      accounts: new AccountsService(accountsRepository, policies, { passwordMinLength: config.passwordMinLength }, options.clock),
      throttle: new SigninThrottle({ redis, keyPrefix: config.redisKeyPrefix, limits: options.throttleLimits }),
      async close() {
        redis?.disconnect();
        await database.close();
      },
    };
  } catch (error) {
    redis?.disconnect();
    await database.close();
    throw error;
  }
}
