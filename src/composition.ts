import path from 'node:path';
import type { Store } from 'express-session';
import type { LogConfig } from 'kysely';
import type Redis from 'ioredis';
import pino, { type Logger } from 'pino';
import type { Config } from './config/config';
import { systemClock, type Clock } from './config/clock';
import { openDatabase, type DatabaseHandle } from './store/database';
import { openConfiguredRedis, type RedisClient } from './store/redis';
import { SqlSessionStore } from './store/session-store.sql';
import { ResilientSessionStore } from './store/session-store.resilient';
import { LifetimeSessionStore } from './store/session-store.lifetime';
import { IndexedRedisSessionStore, type AccountSessions } from './store/session-store.redis';
import { Metrics } from './http/metrics';
import { buildMessages, type Messages } from './http/i18n';
import { buildCsrf, type Csrf } from './http/csrf';
import { buildMailer } from './mail/mailer';
import { themeStylesheetHref } from './http/views';
import { buildFunnel, type FunnelModule } from './funnel/funnel.module';
import { buildConsent, type ConsentModule } from './consent/consent.module';
import { buildMeter, type MeterModule, type MeterStore } from './meter/meter.module';
import { buildAuth, type AuthModule, type ThrottleLimits } from './auth/auth.module';
import { buildBilling, type BillingModule } from './billing/billing.module';
import { buildCrawlers, type CrawlersModule } from './crawlers/crawlers.module';
import { buildInstitutions, type InstitutionsModule } from './institutions/institutions.module';
import { buildGifts, type GiftsModule } from './gifts/gifts.module';
import { buildArticles, type ArticlesModule } from './articles/articles.module';
import { buildAccount, type AccountModule } from './account/account.module';
import { buildAdmin, type AdminModule } from './admin/admin.module';

export type ResolvedConfig = Config & { readonly sessionSecret: string };

/** The running product: its infrastructure, then its modules in the order they are built. */
export interface Gatehouse {
  readonly config: ResolvedConfig;
  readonly logger: Logger;
  readonly database: DatabaseHandle;
  readonly redis: RedisClient | undefined;
  readonly clock: Clock;
  /** Every reader-facing word, in LOCALE's language. */
  readonly messages: Messages;
  readonly metrics: Metrics;
  readonly sessionStore: Store;
  readonly csrf: Csrf;
  readonly funnel: FunnelModule;
  readonly consent: ConsentModule;
  readonly meter: MeterModule;
  readonly auth: AuthModule;
  readonly billing: BillingModule;
  readonly crawlers: CrawlersModule;
  readonly institutions: InstitutionsModule;
  readonly gifts: GiftsModule;
  readonly articles: ArticlesModule;
  readonly account: AccountModule;
  readonly admin: AdminModule;
  close(): Promise<void>;
}

export interface BuildOptions {
  readonly logger?: Logger;
  readonly throttleLimits?: Partial<ThrottleLimits>;
  /** The time, injectable so tests can move it. */
  readonly clock?: Clock;
  /** Replaces the meter store (tests of outages). */
  readonly meterStore?: MeterStore;
  /** Kysely's query log (the benchmark counts queries with it). */
  readonly databaseLog?: LogConfig;
}

/** The session store over SQL or Redis, with the absolute lifetime, degrading when its store is down. */
function buildSessions(config: ResolvedConfig, database: DatabaseHandle, redis: Redis | undefined, clock: Clock, logger: Logger) {
  // Redis sessions are not touched on each view (that would cost a round trip per page):
  // a session lives SESSION_MAX_AGE_DAYS from its last change.
  const inner =
    redis === undefined
      ? new SqlSessionStore(database.db, { defaultMaxAgeMs: config.sessionMaxAgeMs, now: clock })
      : new IndexedRedisSessionStore(redis, { prefix: config.redisKeyPrefix, ttlSeconds: config.sessionMaxAgeMs / 1000 });
  // Expired rows go on a schedule, not only when someone signs in.
  if (inner instanceof SqlSessionStore) inner.startPurging();
  const store: Store = new ResilientSessionStore(new LifetimeSessionStore(inner, { absoluteMaxAgeMs: config.sessionAbsoluteMaxAgeMs, clock }), logger);
  const accountSessions: AccountSessions = inner;
  return { store, accountSessions, stop: () => (inner instanceof SqlSessionStore ? inner.stopPurging() : undefined) };
}

/** Builds everything from the config, once, top to bottom: infrastructure, then each module. */
export async function buildGatehouse(config: ResolvedConfig, options: BuildOptions = {}): Promise<Gatehouse> {
  // Infrastructure.
  const logger = options.logger ?? pino({ level: config.logLevel });
  const clock = options.clock ?? systemClock;
  const messages = buildMessages(config.locale);
  const database = openDatabase({ databaseUrl: config.databaseUrl, sqliteFile: path.join(config.dataDir, 'gatehouse.sqlite'), log: options.databaseLog });
  let redis: RedisClient | undefined;
  const closers: (() => unknown)[] = [];
  try {
    redis = openConfiguredRedis(config);
    await redis?.connect();
    // A Cluster takes the same commands; every key set a module changes together shares a slot.
    const modulesRedis = redis as Redis | undefined;
    const metrics = new Metrics();
    const sessions = buildSessions(config, database, modulesRedis, clock, logger);
    closers.push(sessions.stop);
    const csrf = buildCsrf({ secure: config.publicUrl.protocol === 'https:' });
    const mailer = buildMailer({ smtpUrl: config.smtpUrl, outboxDir: path.join(config.dataDir, 'outbox'), from: config.mailFrom ?? `${config.siteName} <no-reply@${config.publicUrl.hostname}>`, logger, clock });
    const shared = { redis: modulesRedis, keyPrefix: config.redisKeyPrefix, secret: config.sessionSecret, logger, clock };

    // Product modules, each from the ones below it.
    const funnel = buildFunnel({ database, redis: modulesRedis, keyPrefix: config.redisKeyPrefix, logger, clock });
    closers.push(() => funnel.close());
    const consent = buildConsent({ db: database.db, logger, clock, csrf, messages });
    const meter = buildMeter({ ...shared, database, secureCookies: config.publicUrl.protocol === 'https:', metrics, funnel: funnel.recorder, meterStore: options.meterStore });
    closers.push(() => meter.close());
    const auth = buildAuth({
      ...shared,
      db: database.db,
      publicUrl: config.publicUrl,
      siteName: config.siteName,
      passwordMinLength: config.passwordMinLength,
      throttleLimits: options.throttleLimits,
      mailer,
      csrf,
      sessions: sessions.accountSessions,
      policies: consent.service,
      meter: meter.gate,
      funnel: funnel.recorder,
      oidcProviders: config.oidcProviders,
      messages,
    });
    const billing = buildBilling({
      ...shared,
      database,
      stripeConfig: config.stripe,
      publicUrl: config.publicUrl,
      metrics,
      funnel: funnel.recorder,
      entitlementCache: meter.store,
      accounts: auth.accountsRepository,
      csrf,
      messages,
      mailer,
      siteName: config.siteName,
    });
    const crawlers = await buildCrawlers({
      ranges: config.crawlerIpRanges,
      dnsServers: config.crawlerDnsServers,
      settings: meter.settings,
      cache: modulesRedis,
      keyPrefix: config.redisKeyPrefix,
      metrics,
      logger,
      clock,
    });
    closers.push(() => crawlers.close());
    const institutions = buildInstitutions({ database, redis: modulesRedis, keyPrefix: config.redisKeyPrefix, accounts: auth.accountsRepository, clock, logger });
    closers.push(() => institutions.close());
    // POST /gifts resolves its path through articles, built below: asked only once serving.
    const gifts = buildGifts({ database, settings: meter.settings, subscribers: meter.entitlements, articles: { articleAt: (path) => articles.articleAt(path) }, publicUrl: config.publicUrl, clock, secret: config.sessionSecret, messages });
    const articles = await buildArticles({
      contentDir: config.contentDir,
      publicUrl: config.publicUrl,
      gate: meter.gate,
      readerOf: meter.readerOf,
      crawlers: crawlers.verifier,
      institutions: institutions.check,
      gifts: gifts.check,
      plans: billing.plans,
      siteName: config.siteName,
      billingConfigured: billing.billing.configured,
      clock,
      origin: config.origin,
      redis: modulesRedis,
      keyPrefix: config.redisKeyPrefix,
      db: database.db,
      logger,
      csrfToken: (req) => csrf.token(req),
      messages,
      themeStylesheet: themeStylesheetHref(config.themeDir),
    });
    closers.push(() => articles.close());
    const account = buildAccount({
      database,
      logger,
      clock,
      sessions: sessions.accountSessions,
      consent: consent.service,
      billing: billing.billing,
      passwords: auth.passwords,
      accounts: auth.accountsRepository,
      emailVerification: auth.emailVerification,
      signInMethods: { identitiesOf: (id) => auth.oidc.identitiesOf(id), passkeysOf: (id) => auth.passkeys.passkeysOf(id) },
      meter: meter.gate,
      readerOf: meter.readerOf,
      messages,
      sections: [gifts.accountSection, consent.newsletter.section, billing.groupSection],
    });
    const admin = buildAdmin({
      db: database.db,
      clock,
      csrf,
      accounts: auth.accountsRepository,
      meterSettings: meter.settings,
      plans: billing.plans,
      consent: consent.service,
      funnel: funnel.recorder,
      origin: articles.origin,
      requirePasskey: config.adminRequirePasskey,
      passkeys: auth.passkeys,
      logger,
      imageSources: config.imageSources,
      institutions: institutions.admin,
    });

    return {
      config,
      logger,
      database,
      redis,
      clock,
      messages,
      metrics,
      sessionStore: sessions.store,
      csrf,
      funnel,
      consent,
      meter,
      auth,
      billing,
      crawlers,
      institutions,
      gifts,
      articles,
      account,
      admin,
      async close() {
        for (const close of closers.reverse()) await close();
        redis?.disconnect();
        await database.close();
      },
    };
  } catch (error) {
    for (const close of closers.reverse()) await Promise.resolve(close()).catch(() => undefined);
    redis?.disconnect();
    await database.close();
    throw error;
  }
}
