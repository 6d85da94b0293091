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
import { LifetimeSessionStore } from './store/session-store.lifetime';
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
import { NewReaderBound } from './meter/new-reader-bound';
import { MeterPruner } from './meter/meter-pruner';
import { ApiKeysRepository } from './admin/api-keys.repository';
import type Stripe from 'stripe';
import { buildStripe } from './billing/stripe-client';
import { BillingRepository } from './billing/billing.repository';
import { BillingService } from './billing/billing.service';
import { PlansService } from './billing/plans';
import { StripeWebhookService } from './billing/stripe-webhook.service';
import { buildSubscriptionLock, type SubscriptionLock } from './billing/subscription-lock';
import { StripeCallThrottle } from './billing/stripe-call-throttle';
import { buildMailer } from './mail/mailer';
import { EmailTokensRepository } from './auth/email-tokens.repository';
import { SigninLinksService } from './auth/signin-links.service';
import { EmailVerificationService } from './auth/email-verification.service';
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
  readonly newReaders: NewReaderBound;
  readonly apiKeys: ApiKeysRepository;
  readonly stripe: Stripe | undefined;
  readonly plans: PlansService;
  readonly billingRepository: BillingRepository;
  readonly billing: BillingService;
  /** Serialises the Stripe read and the write of each subscription. */
  readonly subscriptionLock: SubscriptionLock;
  readonly stripeWebhooks: StripeWebhookService;
  readonly passwords: PasswordsService;
  /** Emailed sign-in and sign-up links (SPEC section 6). */
  readonly signinLinks: SigninLinksService;
  /** Links that prove an email: at sign-up, and before a change of email applies. */
  readonly emailVerification: EmailVerificationService;
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
  readonly throttleLimits?: Partial<ThrottleLimits>;
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
    const sessionClock = options.clock ? () => options.clock!().getTime() : Date.now;
    // Redis sessions are not touched on each view (that would cost a round trip per page):
    // a session lives SESSION_MAX_AGE_DAYS from its last change.
    const innerStore =
      redis === undefined
        ? new SqlSessionStore(database.db, { defaultMaxAgeMs: config.sessionMaxAgeMs, now: sessionClock })
        : new IndexedRedisSessionStore(redis, { prefix: config.redisKeyPrefix, ttlSeconds: config.sessionMaxAgeMs / 1000 });
    const sessionStore: Store = new ResilientSessionStore(new LifetimeSessionStore(innerStore, { absoluteMaxAgeMs: config.sessionAbsoluteMaxAgeMs, clock: sessionClock }), logger);
    // Expired rows go on a schedule, not only when someone signs in.
    if (innerStore instanceof SqlSessionStore) innerStore.startPurging();
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
    const meterClock = options.clock ? () => options.clock!().getTime() : Date.now;
    const meterPruner = new MeterPruner({ store: meterStore, settings: meterSettings, clock: meterClock, logger });
    meterPruner.start();
    const clock = options.clock;
    const metrics = new Metrics();
    const settingsRepository = new SettingsRepository(database.db);
    const stripe = buildStripe(config);
    const plans = new PlansService(settingsRepository);
    const billingRepository = new BillingRepository(database.db, database.dialect);
    const subscriptionLock = buildSubscriptionLock(database.db, database.dialect);
    const funnel = new FunnelRecorder(redis === undefined ? new SqlFunnelStore(database.db) : new RedisFunnelStore(redis, { keyPrefix: config.redisKeyPrefix }), logger, {
      clock: clock ? () => clock().getTime() : undefined,
    });
    funnel.start();
    const billing = new BillingService({
      stripe,
      repository: billingRepository,
      plans,
      meterStore,
      lock: subscriptionLock,
      throttle: new StripeCallThrottle({ redis, keyPrefix: config.redisKeyPrefix }),
      logger,
      publicUrl: config.publicUrl,
      graceDays: config.stripe.pastDueGraceDays,
      funnel,
      clock: clock ? () => clock().getTime() : Date.now,
    });
    const throttle = new SigninThrottle({ redis, keyPrefix: config.redisKeyPrefix, keySecret: config.sessionSecret, limits: options.throttleLimits });
    const emailTokens = new EmailTokensRepository(database.db);
    const linkMailer = buildMailer({ smtpUrl: config.smtpUrl, outboxDir: path.join(config.dataDir, 'outbox'), from: `${config.siteName} <no-reply@${config.publicUrl.hostname}>`, logger });
    const linkClock = clock ? () => clock().getTime() : Date.now;
    const linkSite = { publicUrl: config.publicUrl, siteName: config.siteName, mailer: linkMailer, logger, clock: linkClock };
    const signinLinks = new SigninLinksService({ ...linkSite, accounts: accountsRepository, tokens: emailTokens, policies, redis, keyPrefix: config.redisKeyPrefix, keySecret: config.sessionSecret });
    const emailVerification = new EmailVerificationService({ ...linkSite, accounts: accountsRepository, tokens: emailTokens, sessions: accountSessions });
    return {
      config,
      signinLinks,
      emailVerification,
      logger,
      database,
      redis,
      sessionStore,
      accountSessions,
      articles,
      accountsRepository,
      policies,
      accounts: new AccountsService(accountsRepository, policies, { passwordMinLength: config.passwordMinLength }, options.clock),
      throttle,
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
      subscriptionLock,
      accountDeletion: new AccountDeletion({ db: database.db, stripe, billing: billingRepository, sessions: accountSessions, meterStore, logger }),
      passwords: new PasswordsService({
        accounts: accountsRepository,
        resets: new PasswordResetsRepository(database.db),
        sessions: accountSessions,
        mailer: buildMailer({ smtpUrl: config.smtpUrl, outboxDir: path.join(config.dataDir, 'outbox'), from: `${config.siteName} <no-reply@${config.publicUrl.hostname}>`, logger }),
        logger,
        throttle,
        publicUrl: config.publicUrl,
        siteName: config.siteName,
        passwordMinLength: config.passwordMinLength,
        redis,
        keyPrefix: config.redisKeyPrefix,
        keySecret: config.sessionSecret,
      }),
      gate: new GateService(meterSettings, meterStore, entitlements, logger, clock ? () => clock().getTime() : undefined, metrics, funnel),
      newReaders: new NewReaderBound({ store: meterStore, settings: meterSettings, secret: config.sessionSecret, clock: meterClock, logger }),
      funnel,
      async close() {
        meterPruner.stop();
        if (innerStore instanceof SqlSessionStore) innerStore.stopPurging();
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
