import type { Logger } from 'pino';
import type { Clock } from '../config/clock';
import type { FunnelSink, FunnelStage } from '../funnel/funnel.module';
import { isStoreOutage } from '../store/store-errors';
import type { Access, GatedArticle } from './access';
import { decideAccess, effectiveAccess, meterLimitFor, needsMeter, type Decision, type Entitlement, type MeterOutcome, type ReaderStatus } from './access-decision';
import { meterArticleId } from './article-id';
import { readerKeyOf, type GateMode, type GateResult, type NewReader, type Reader, type ReaderMeter } from './gate';
import type { EntitlementLookup } from './entitlements.repository';
import type { MeterSettings } from './meter-settings';
import type { MeterSettingsSource } from './meter-settings.service';
import { MeterStoreUnavailable, type MeterState, type MeterStore, type NewReaderQuery, type ViewAnswer, type ViewQuery } from './meter-store';
import { meterWindow, periodEndsAt } from './period';

/** The funnel stage a counted page view reaches, by its decision. */
const funnelStageOf: Partial<Record<Decision, FunnelStage>> = { metered: 'metered', gift: 'gift', 'registration-wall': 'registration-wall', paywall: 'paywall' };

/** The entitlements table, read when the store's cache misses or the store is down. */
export interface EntitlementSource {
  lookup(accountId: string, now: Date): Promise<EntitlementLookup>;
  entitlementOf(accountId: string, now: Date): Promise<Entitlement>;
}

export interface GateMetrics {
  readonly accessDecisions: { inc(labels: { decision: Decision }): void };
  readonly meterStoreErrors: { inc(): void };
}

export interface GateServiceDeps {
  readonly settings: MeterSettingsSource;
  readonly store: MeterStore;
  readonly entitlements: EntitlementSource;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly metrics: GateMetrics;
  readonly funnel: FunnelSink;
}

type Answered = { readonly settings: MeterSettings; readonly entitlement: Entitlement; readonly meter: MeterState | undefined; readonly capped?: boolean };

const attempts = 3;
// A reader with no id yet (an API peek before any view) is asked about as an empty meter.
const noReaderKey = 'a:-';

const isOutage = (error: unknown) => error instanceof MeterStoreUnavailable || isStoreOutage(error);

/**
 * Decides each article view: effective access from the settings, one call to the meter
 * store (which also checks the settings version, reads the entitlement and counts a new
 * reader against their network's bound), then the pure decision. Never sees a request;
 * never throws for a store outage.
 */
export class GateService {
  constructor(private readonly deps: GateServiceDeps) {}

  async decide(article: GatedArticle, reader: Reader, mode: GateMode): Promise<GateResult> {
    const readerKey = readerKeyOf(reader);
    const result = await this.decideOnce(article, reader, readerKey, mode);
    const stage = funnelStageOf[result.decision];
    if (mode === 'count' && stage !== undefined) this.deps.funnel.record(stage, readerKey);
    if (mode === 'count' && result.decision === 'institution' && readerKey !== undefined) reader.institution?.countReader?.(readerKey);
    return result;
  }

  /** The reader's allowance, use and period end, counting nothing and without an article. */
  async meterOf(reader: Reader): Promise<ReaderMeter> {
    const nowMs = this.deps.clock();
    const status = { signedIn: reader.accountId !== undefined, capped: reader.capped === true };
    try {
      const answered = await this.ask(reader, nowMs, (settings, version) => {
        const limit = meterLimitFor(status, settings);
        return { settingsVersion: version, readerKey: readerKeyOf(reader) ?? noReaderKey, accountId: reader.accountId, mode: limit > 0 ? 'peek' : 'check', limit, window: meterWindow(settings.period, nowMs), nowMs };
      });
      return readerMeter(answered, status, nowMs);
    } catch (error) {
      if (!isOutage(error)) throw error;
      this.deps.logger.warn({ err: error }, 'meter store unavailable; the reader\'s meter is shown empty');
      this.deps.metrics.meterStoreErrors.inc();
      const { value: settings } = this.deps.settings.cachedOrDefault();
      return readerMeter({ settings, entitlement: await this.databaseEntitlementOf(reader, nowMs), meter: undefined }, status, nowMs);
    }
  }

  /**
   * How an anonymous view of this article is met under the current settings: its access (its
   * own, its section's, else metered), and whether it consults the meter (metered, with an
   * allowance above 0). Only then does a new reader need an id, counted against their
   * network's new-reader bound; free and premium articles and a hard wall need neither.
   * The lead-in's length comes with it, for cutting an article outside a view (feeds).
   */
  async anonymousAccessOf(article: GatedArticle): Promise<{ readonly access: Access; readonly metered: boolean; readonly teaserParagraphs: number }> {
    const { value: settings } = await this.deps.settings.current().catch(() => this.deps.settings.cachedOrDefault());
    const access = effectiveAccess(article, settings.sections);
    return { access, metered: access === 'metered' && settings.anonymousLimit > 0, teaserParagraphs: settings.teaserParagraphs };
  }

  /** Carries this period's anonymous reads into the account; a failure must not block sign-in. */
  async carryOver(anonymousId: string | undefined, accountId: string): Promise<void> {
    if (anonymousId === undefined) return;
    const { value: settings } = await this.deps.settings.current();
    const nowMs = this.deps.clock();
    try {
      await this.deps.store.carryOver(readerKeyOf({ anonymousId })!, readerKeyOf({ accountId })!, meterWindow(settings.period, nowMs), nowMs);
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'could not carry anonymous reads into the account');
    }
  }

  /** Drops a deleted account's meter and cached entitlement; the deletion has committed, so this never throws. */
  async forgetAccount(accountId: string): Promise<void> {
    const { store, logger } = this.deps;
    await store.forgetReader(readerKeyOf({ accountId })!).catch((error: unknown) => logger.warn({ err: error }, 'could not drop the deleted account\'s meter'));
    await store.forgetEntitlement(accountId).catch((error: unknown) => logger.warn({ err: error }, 'could not drop the deleted account\'s cached entitlement'));
  }

  private async decideOnce(article: GatedArticle, reader: Reader, readerKey: string | undefined, mode: GateMode): Promise<GateResult> {
    const nowMs = this.deps.clock();
    const signedIn = reader.accountId !== undefined;
    const crawler = reader.crawler === true;
    const institution = reader.institution !== undefined;
    // Before the meter is asked, so that a gifted view is never counted.
    const gift = await this.giftAdmits(article, reader, nowMs, mode);
    const articleId = meterArticleId(article.slug);
    const termsOf = (settings: MeterSettings, capped: boolean) => {
      const access = effectiveAccess(article, settings.sections);
      const limit = meterLimitFor({ signedIn, capped }, settings);
      return { access, limit, window: meterWindow(settings.period, nowMs) };
    };
    let answered: Answered;
    try {
      answered = await this.ask(reader, nowMs, (settings, version) => {
        const { access, limit, window } = termsOf(settings, reader.capped === true);
        // Not metered: only the settings version and entitlement.
        const metered = needsMeter(access, { signedIn, entitlement: 'none', crawler, institution, gift }, limit);
        const storeMode = !metered ? 'check' : readerKey === undefined || mode !== 'count' ? 'peek' : 'count';
        // A new reader a gift link admitted gets their id too, counted against their network's bound.
        const newReader = storeMode === 'count' || (gift && mode === 'count') ? newReaderQuery(reader.newReader, settings) : undefined;
        return { settingsVersion: version, readerKey: readerKey ?? noReaderKey, accountId: reader.accountId, mode: storeMode, articleId, limit, window, nowMs, newReader };
      });
    } catch (error) {
      // The meter store, or the database while (re)loading settings: either way the
      // publisher's failure policy decides, with the settings this instance has.
      if (!isOutage(error)) throw error;
      // As when the bound alone cannot be reached: the new reader is not capped.
      if (mode === 'count') reader.newReader?.issue(false);
      return this.whenStoreUnavailable(article, reader, nowMs, error, gift);
    }
    const { settings, entitlement } = answered;
    // A new reader is given an id only by a view that counted them.
    if (answered.capped !== undefined) reader.newReader?.issue(answered.capped);
    const { access, limit, window } = termsOf(settings, reader.capped === true || answered.capped === true);
    const readerStatus = { signedIn, entitlement, crawler, institution, gift };
    const outcome: MeterOutcome | undefined = needsMeter(access, readerStatus, limit) && answered.meter ? (answered.meter.granted ? 'granted' : 'refused') : undefined;
    const decision = decideAccess({ access, reader: readerStatus, limit, meter: outcome, onStoreFailure: settings.onStoreFailure });
    // A preview answers as the view would: a new article granted now would be counted.
    const m = answered.meter;
    const meter = mode === 'preview' && m?.granted && !m.alreadyCounted ? { ...m, used: m.used + 1 } : m;
    return this.result(decision, { settings, entitlement, meter }, meterApplies(access, readerStatus) ? limit : null, periodEndsAt(window, meter?.oldestReadAtMs, nowMs), false, reader);
  }

  /** One store call, retried after reloading stale settings or caching an unknown entitlement. */
  private async ask(reader: Reader, nowMs: number, queryFor: (settings: MeterSettings, version: number) => ViewQuery): Promise<Answered> {
    for (let attempt = 1; ; attempt += 1) {
      const { value: settings, version } = await this.deps.settings.current();
      const answer: ViewAnswer = await this.deps.store.view(queryFor(settings, version));
      if (answer.kind === 'ok') return { settings, entitlement: answer.entitlement, meter: answer.meter, capped: answer.capped };
      if (attempt >= attempts) throw new MeterStoreUnavailable(new Error(`the meter store kept answering ${answer.kind}`));
      if (answer.kind === 'stale-settings') await this.deps.settings.reload();
      else if (reader.accountId !== undefined) {
        const found = await this.deps.entitlements.lookup(reader.accountId, new Date(nowMs));
        // A grant that lapses by itself (past_due grace) is cached no longer than it lasts.
        const ttl = found.validUntil === null ? undefined : Math.ceil((found.validUntil.getTime() - nowMs) / 1000);
        await this.deps.store.cacheEntitlement(reader.accountId, found.entitlement, ttl);
      }
    }
  }

  private async whenStoreUnavailable(article: GatedArticle, reader: Reader, nowMs: number, error: unknown, gift: boolean): Promise<GateResult> {
    this.deps.logger.warn({ err: error }, 'meter store unavailable; following onStoreFailure');
    const { value: settings } = this.deps.settings.cachedOrDefault();
    const signedIn = reader.accountId !== undefined;
    const entitlement = await this.databaseEntitlementOf(reader, nowMs);
    const access = effectiveAccess(article, settings.sections);
    const limit = meterLimitFor({ signedIn, capped: reader.capped === true }, settings);
    const readerStatus = { signedIn, entitlement, crawler: reader.crawler === true, institution: reader.institution !== undefined, gift };
    const decision = decideAccess({ access, reader: readerStatus, limit, meter: 'unavailable', onStoreFailure: settings.onStoreFailure });
    const endsAt = periodEndsAt(meterWindow(settings.period, nowMs), undefined, nowMs);
    return this.result(decision, { settings, entitlement, meter: undefined }, meterApplies(access, readerStatus) ? limit : null, endsAt, true, reader);
  }

  /**
   * Whether the reader's gift link admits them to this article. Asked only where nothing
   * before `gift` in the decision's order decides (free, subscriber, institution, crawler), so
   * that no one else takes a reader slot on it: a signed-in reader's entitlement is read from
   * the database first (gift links are rare; subscribers following one are rarer).
   */
  private async giftAdmits(article: GatedArticle, reader: Reader, nowMs: number, mode: GateMode): Promise<boolean> {
    if (reader.gift === undefined || reader.crawler === true || reader.institution !== undefined) return false;
    const { value: settings } = await this.deps.settings.current().catch(() => this.deps.settings.cachedOrDefault());
    if (effectiveAccess(article, settings.sections) === 'free') return false;
    if ((await this.databaseEntitlementOf(reader, nowMs)) === 'subscriber') return false;
    return reader.gift.admit(mode === 'count').catch((error: unknown) => {
      // The article as the reader would see it without the link: never a 5xx for a gift.
      this.deps.logger.warn({ err: error }, 'gift link could not be checked; the article is shown as without it');
      return false;
    });
  }

  /** Subscribers keep reading through an outage: their entitlement is in the database, not only in Redis. */
  private async databaseEntitlementOf(reader: Reader, nowMs: number): Promise<Entitlement> {
    if (reader.accountId === undefined) return 'none';
    return this.deps.entitlements.entitlementOf(reader.accountId, new Date(nowMs)).catch(() => 'none' as const);
  }

  private result(decision: Decision, answered: Answered, limit: number | null, endsAt: Date, storeUnavailable: boolean, reader: Reader): GateResult {
    const used = answered.meter?.used ?? 0;
    this.deps.metrics.accessDecisions.inc({ decision });
    if (storeUnavailable) this.deps.metrics.meterStoreErrors.inc();
    const remaining = limit === null || storeUnavailable ? null : Math.max(0, limit - used);
    const result = { decision, settings: answered.settings, entitlement: answered.entitlement, limit, remaining, used, periodEndsAt: endsAt, storeUnavailable };
    const { institution } = reader;
    return decision === 'institution' && institution !== undefined ? { ...result, institution: { id: institution.id, name: institution.name } } : result;
  }
}

/** A new reader is counted against their network's bound by the view's own store call. */
function newReaderQuery(newReader: NewReader | undefined, settings: MeterSettings): NewReaderQuery | undefined {
  if (newReader === undefined) return undefined;
  return { networkKey: newReader.networkKey, bound: settings.newReadersPerNetwork, expireAtMs: newReader.expireAtMs };
}

/** Whether the meter's limit is this reader's to see: not for subscribers, institutions' readers, crawlers or gift readers. */
function meterApplies(access: Access, reader: ReaderStatus): boolean {
  return access === 'metered' && reader.entitlement !== 'subscriber' && reader.institution !== true && reader.crawler !== true && reader.gift !== true;
}

function readerMeter(answered: Answered, status: { signedIn: boolean; capped: boolean }, nowMs: number): ReaderMeter {
  const { settings, entitlement, meter } = answered;
  const limit = meterLimitFor(status, settings);
  const used = meter?.used ?? 0;
  return { settings, entitlement, limit, used: Math.min(used, limit), remaining: Math.max(0, limit - used), periodEndsAt: periodEndsAt(meterWindow(settings.period, nowMs), meter?.oldestReadAtMs, nowMs) };
}

