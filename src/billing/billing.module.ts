import { Router } from 'express';
import type Redis from 'ioredis';
import type { Logger } from 'pino';
import type Stripe from 'stripe';
import type { Clock } from '../config/clock';
import type { Config } from '../config/config';
import type { DatabaseHandle } from '../store/database';
import type { Csrf } from '../http/csrf';
import type { Metrics } from '../http/metrics';
import type { Messages } from '../http/i18n';
import type { FunnelSink } from '../funnel/funnel.module';
import type { Mailer } from '../mail/mailer';
import { BillingRepository } from './billing.repository';
import { BillingService } from './billing.service';
import { billingRoutes } from './billing.controller';
import { PlansRepository } from './plans.repository';
import { PlansService } from './plans';
import { PriceCatalog } from './price-catalog';
import { stripePriceSource } from './stripe-price';
import { buildStripe } from './stripe-client';
import { StripeCallThrottle } from './stripe-call-throttle';
import { StripeWebhookService } from './stripe-webhook.service';
import { stripeWebhookRoutes } from './stripe-webhook.controller';
import { buildSubscriptionLock, type SubscriptionLock } from './subscription-lock';
import type { AccountLookup, EntitlementCache } from './ports';
import { GroupRepository } from './group.repository';
import { GroupService, type GroupPageData } from './group.service';
import { groupRoutes } from './group.controller';
import { TrialClaims } from './trial-claims';

export type { AccountLookup, EntitlementCache } from './ports';
export type { BillingService, AccountBillingSummary } from './billing.service';
export type { BillingRepository, SubscriptionRecord, ApplyOutcome } from './billing.repository';
export type { PlansService, Plan } from './plans';
export type { PlanDisplay, DisplayPrice } from './plan-display';
export type { SubscriptionLock } from './subscription-lock';
export type { WebhookOutcome } from './stripe-webhook.service';
export type { GroupService, GroupPageData } from './group.service';
/** The plans' schema: admin validates what a publisher types against it. */
export { plansSchema } from './plans';

export interface BillingDeps {
  readonly database: DatabaseHandle;
  readonly redis: Redis | undefined;
  readonly keyPrefix: string;
  readonly secret: string;
  readonly stripeConfig: Config['stripe'];
  readonly publicUrl: URL;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly metrics: Metrics;
  readonly funnel: FunnelSink;
  /** The meter store's cache of entitlements, dropped when billing changes one. */
  readonly entitlementCache: EntitlementCache;
  readonly accounts: AccountLookup;
  readonly csrf: Csrf;
  /** The words of the plans pages and of the errors a reader sees (LOCALE). */
  readonly messages: Messages;
  /** Group invitations are mailed; the mail names the site. */
  readonly mailer: Mailer;
  readonly siteName: string;
}

export interface BillingModule {
  readonly billing: BillingService;
  readonly plans: PlansService;
  readonly repository: BillingRepository;
  /** Serialises the Stripe read and the write of each subscription. */
  readonly subscriptionLock: SubscriptionLock;
  readonly stripe: Stripe | undefined;
  /** POST /webhooks/stripe: reads its body raw, so it is mounted before the body parsers. */
  readonly webhookRoutes: Router;
  /** /subscribe, /subscribe/success, /billing/portal, /account/group/*, /groups/join/:token. */
  readonly routes: Router;
  /** Group subscriptions (SPEC section 13). */
  readonly groups: GroupService;
  /** The group's part of /account and of the data export (account's AccountSection, name 'group'). */
  readonly groupSection: { readonly name: 'group'; pageData(accountId: string): Promise<GroupPageData>; exportData(accountId: string): Promise<unknown> };
}

/** Subscriptions through Stripe: Checkout, the portal, webhooks, and the entitlements they grant. */
export function buildBilling(deps: BillingDeps): BillingModule {
  const { database, clock, logger } = deps;
  const stripe = buildStripe(deps.stripeConfig);
  // The session secret keys the trial claims' hashes (of emails, account and subscription ids).
  const repository = new BillingRepository({ db: database.db, dialect: database.dialect, clock, trials: new TrialClaims(deps.secret) });
  const prices = stripe === undefined ? undefined : new PriceCatalog({ source: stripePriceSource(stripe), clock, logger });
  const plans = new PlansService({ repository: new PlansRepository(database.db, clock), clock, prices, trials: repository, locale: deps.messages.lang });
  const subscriptionLock = buildSubscriptionLock(database.db, database.dialect);
  const groups = new GroupService({
    repository: new GroupRepository(database.db, database.dialect),
    plans,
    accounts: deps.accounts,
    entitlementCache: deps.entitlementCache,
    mailer: deps.mailer,
    logger,
    clock,
    graceDays: deps.stripeConfig.pastDueGraceDays,
    publicUrl: deps.publicUrl,
    siteName: deps.siteName,
    messages: deps.messages,
  });
  const billing = new BillingService({
    stripe,
    repository,
    plans,
    accounts: deps.accounts,
    entitlementCache: deps.entitlementCache,
    lock: subscriptionLock,
    throttle: new StripeCallThrottle({ redis: deps.redis, keyPrefix: deps.keyPrefix, messages: deps.messages }),
    logger,
    publicUrl: deps.publicUrl,
    graceDays: deps.stripeConfig.pastDueGraceDays,
    funnel: deps.funnel,
    clock: deps.clock,
    messages: deps.messages,
    groups,
  });
  const webhooks = new StripeWebhookService({ billing, repository, logger, metrics: deps.metrics });
  return {
    billing,
    plans,
    repository,
    subscriptionLock,
    stripe,
    webhookRoutes: stripeWebhookRoutes({ stripe, secret: deps.stripeConfig.webhookSecret, service: webhooks }),
    routes: Router().use(billingRoutes({ billing, csrf: deps.csrf, messages: deps.messages }), groupRoutes({ groups, csrf: deps.csrf, messages: deps.messages })),
    groups,
    groupSection: { name: 'group', pageData: (id) => groups.pageData(id), exportData: (id) => groups.exportData(id) },
  };
}
