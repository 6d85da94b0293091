import path from 'node:path';
import type { Store } from 'express-session';
import type { LogConfig } from 'kysely';
import type Redis from 'ioredis';
import pino, { type Logger } from 'pino';
import type { Config } from './config/config';
import { openDatabase, type DatabaseHandle } from './store/database';
import { openRedis } from './store/redis';
import { SqlSessionStore } from './store/session-store.sql';
import { ResilientSessionStore } from './store/session-store.resilient';
import { IndexedRedisSessionStore, type AccountSessions } from './store/session-store.redis';
import { AccountsRepository } from './auth/accounts.repository';
import { AccountsService } from './auth/accounts.service';
import { SigninThrottle, type ThrottleLimits } from './auth/signin-throttle';
import { PoliciesRepository } from './consent/policies.repository';
import { MarkdownArticleSource } from './articles/markdown-source';
import type { ArticleSource } from './articles/article';
import { EntitlementsRepository } from './billing/entitlements.repository';
import type { MeterStore } from './meter/meter-store';
import { RedisMeterStore } from './meter/meter-store.redis';
import { SqlMeterStore } from './meter/meter-store.sql';
import { SettingsRepository } from './meter/settings.repository';
import { MeterSettingsService } from './meter/meter-settings.service';
import { GateService } from './meter/gate.service';
import { ApiKeysRepository } from './admin/api-keys.repository';
import type Stripe from 'stripe';
import { buildStripe } from './billing/stripe-client';
import { BillingRepository } from './billing/billing.repository';
import { BillingService } from './billing/billing.service';
import { PlansService } from './billing/plans';
import { StripeWebhookService } from './billing/stripe-webhook.service';
import { buildMailer } from './mail/mailer';
import { PasswordResetsRepository } from './auth/password-resets.repository';
import { PasswordsService } from './auth/passwords.service';
import { ConsentService } from './consent/consent.service';
import { AccountDeletion } from './account/account-deletion';
import { Metrics } from './http/metrics';
import { FunnelRecorder } from './funnel/funnel-recorder';
import { SqlFunnelStore } from './funnel/funnel-store.sql';
import { RedisFunnelStore } from './funnel/funnel-store.redis';

/** Everything createApp needs, built once by main.ts (or a test) from the config. */
export interface AppDeps {
  readonly config: Config & { readonly sessionSecret: string };
  readonly logger: Logger;
  readonly database: DatabaseHandle;
  readonly redis: Redis | undefined;
  readonly sessionStore: Store;
  /** Ends every session of an account (password reset and changes). */
  readonly accountSessions: AccountSessions;
  readonly articles: ArticleSource;
  readonly accountsRepository: AccountsRepository;
  readonly accounts: AccountsService;
  readonly policies: PoliciesRepository;
  readonly throttle: SigninThrottle;
  readonly entitlements: EntitlementsRepository;
  readonly meterStore: MeterStore;
  readonly meterSettings: MeterSettingsService;
  readonly gate: GateService;
  readonly apiKeys: ApiKeysRepository;
  readonly stripe: Stripe | undefined;
  readonly plans: PlansService;
  readonly billingRepository: BillingRepository;
  readonly billing: BillingService;
  readonly stripeWebhooks: StripeWebhookService;
  readonly passwords: PasswordsService;
  readonly consent: ConsentService;
  readonly accountDeletion: AccountDeletion;
  /** The time, injectable so tests can move it. */
  readonly clock: () => number;
  readonly metrics: Metrics;
  /** Conversion funnel figures, buffered and written every few seconds. */
  readonly funnel: FunnelRecorder;
  close(): Promise<void>;
}

export interface BuildOptions {
  readonly logger?: Logger;
  readonly throttleLimits?: ThrottleLimits;
  readonly clock?: () => Date;
  /** Replaces the meter store (tests of outages). */
  readonly meterStore?: MeterStore;
  /** Kysely's query log (the benchmark counts queries with it). */
  readonly databaseLog?: LogConfig;
}

export async function buildDeps(config: Config & { readonly sessionSecret: string }, options: BuildOptions = {}): Promise<AppDeps> {
  const logger = options.logger ?? pino({ level: config.logLevel });
  const database = openDatabase({ databaseUrl: config.databaseUrl, sqliteFile: path.join(config.dataDir, 'gatehouse.sqlite'), log: options.databaseLog });
  let redis: Redis | undefined;
  try {
    if (config.redisUrl !== undefined) {
      redis = openRedis(config.redisUrl, { sentinels: config.redisSentinels, sentinelPassword: config.redisSentinelPassword });
      await redis.connect();
    }
    // Redis sessions are not touched on each view (that would cost a round trip per page):
    // a session lives SESSION_MAX_AGE_DAYS from its last change.
    const innerStore =
      redis === undefined
        ? new SqlSessionStore(database.db, { defaultMaxAgeMs: config.sessionMaxAgeMs })
        : new IndexedRedisSessionStore(redis, { prefix: config.redisKeyPrefix, ttlSeconds: config.sessionMaxAgeMs / 1000 });
    const sessionStore: Store = new ResilientSessionStore(innerStore, logger);
    const accountSessions: AccountSessions = innerStore;
    const accountsRepository = new AccountsRepository(database.db);
    const policies = new PoliciesRepository(database.db);
    const articles = await MarkdownArticleSource.load(config.contentDir);
    const entitlements = new EntitlementsRepository(database.db);
    const meterStore =
      options.meterStore ??
      (redis === undefined
        ? new SqlMeterStore(database.db, database.dialect, entitlements)
        : new RedisMeterStore(redis, { keyPrefix: config.redisKeyPrefix }));
    const meterSettings = new MeterSettingsService(new SettingsRepository(database.db), meterStore, logger);
    const clock = options.clock;
    const metrics = new Metrics();
    const settingsRepository = new SettingsRepository(database.db);
    const stripe = buildStripe(config);
    const plans = new PlansService(settingsRepository);
    const billingRepository = new BillingRepository(database.db);
    const funnel = new FunnelRecorder(redis === undefined ? new SqlFunnelStore(database.db) : new RedisFunnelStore(redis, { keyPrefix: config.redisKeyPrefix }), logger, {
      clock: clock ? () => clock().getTime() : undefined,
    });
    funnel.start();
    const billing = new BillingService(stripe, billingRepository, plans, meterStore, logger, { publicUrl: config.publicUrl, graceDays: config.stripe.pastDueGraceDays, funnel }, clock);
    return {
      config,
      logger,
      database,
      redis,
      sessionStore,
      accountSessions,
      articles,
      accountsRepository,
      policies,
      accounts: new AccountsService(accountsRepository, policies, { passwordMinLength: config.passwordMinLength }, options.clock),
      throttle: new SigninThrottle({ redis, keyPrefix: config.redisKeyPrefix, limits: options.throttleLimits }),
      entitlements,
      meterStore,
      meterSettings,
      apiKeys: new ApiKeysRepository(database.db),
      stripe,
      plans,
      billingRepository,
      billing,
      stripeWebhooks: new StripeWebhookService(billing, billingRepository, logger, metrics),
      consent: new ConsentService(policies, logger),
      clock: clock ? () => clock().getTime() : Date.now,
      metrics,
      accountDeletion: new AccountDeletion(database.db, stripe, billingRepository, accountSessions, meterStore, logger),
      passwords: new PasswordsService(
        accountsRepository,
        new PasswordResetsRepository(database.db),
        accountSessions,
        buildMailer({ smtpUrl: config.smtpUrl, outboxDir: path.join(config.dataDir, 'outbox'), from: `${config.siteName} <no-reply@${config.publicUrl.hostname}>`, logger }),
        logger,
        { publicUrl: config.publicUrl, siteName: config.siteName, passwordMinLength: config.passwordMinLength, redis, keyPrefix: config.redisKeyPrefix },
      ),
      gate: new GateService(meterSettings, meterStore, entitlements, logger, clock ? () => clock().getTime() : undefined, metrics, funnel),
      funnel,
      async close() {
        await funnel.close();
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
