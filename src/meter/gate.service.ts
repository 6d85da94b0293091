import type { Logger } from 'pino';
import type { ArticleSummary } from '../articles/article';
import type { EntitlementsRepository } from '../billing/entitlements.repository';
import { decideAccess, effectiveAccess, meterLimitFor, needsMeter, type Decision, type Entitlement, type MeterOutcome } from './access-decision';
import { meterArticleId } from './article-id';
import type { MeterSettings } from './meter-settings';
import type { MeterSettingsService } from './meter-settings.service';
import { MeterStoreUnavailable, type MeterState, type MeterStore, type ViewAnswer } from './meter-store';
import { meterWindow, periodEndsAt } from './period';
import type { Metrics } from '../http/metrics';
import { isStoreOutage } from '../store/store-errors';
import type { FunnelRecorder } from '../funnel/funnel-recorder';
import type { FunnelStage } from '../funnel/funnel';

/** The funnel stage a counted page view reaches, by its decision. */
const funnelStageOf: Partial<Record<Decision, FunnelStage>> = { metered: 'metered', 'registration-wall': 'registration-wall', paywall: 'paywall' };

export interface Reader {
  /** Set when signed in. */
  readonly accountId?: string;
  /** The anonymous reader cookie's id, when the reader has one. */
  readonly anonymousId?: string;
  /** An anonymous reader issued past the new-reader bound today: no allowance. */
  readonly capped?: boolean;
}

/**
 * `count`: a page view. `peek`: the decision without counting, the meter as it stands (the
 * JSON API). `preview`: what a page view would answer now, counting nothing (`HEAD`).
 */
export type GateMode = 'count' | 'peek' | 'preview';

export interface GateResult {
  readonly decision: Decision;
  readonly settings: MeterSettings;
  readonly entitlement: Entitlement;
  /** Set when the meter applies to this reader and article. */
  readonly limit: number | null;
  readonly remaining: number | null;
  readonly used: number;
  readonly periodEndsAt: Date;
  /** True when the meter store could not be reached and `onStoreFailure` decided. */
  readonly storeUnavailable: boolean;
}

const attempts = 3;

export function readerKeyOf(reader: Reader): string | undefined {
  if (reader.accountId !== undefined) return `u:${reader.accountId}`;
  if (reader.anonymousId !== undefined) return `a:${reader.anonymousId}`;
  return undefined;
}

/**
 * Decides each article view: effective access from the settings, one call to the meter
 * store (which also checks the settings version and reads the entitlement), then the pure
 * decision. Never sees a request; never throws for a store outage.
 */
export class GateService {
  constructor(
    private readonly settings: MeterSettingsService,
    private readonly store: MeterStore,
    private readonly entitlements: EntitlementsRepository,
    private readonly logger: Logger,
    private readonly clock: () => number = Date.now,
    private readonly metrics?: Metrics,
    private readonly funnel?: FunnelRecorder,
  ) {}

  async decide(article: Pick<ArticleSummary, 'slug' | 'access' | 'section'>, reader: Reader, mode: GateMode): Promise<GateResult> {
    const readerKey = readerKeyOf(reader);
    const result = await this.decideOnce(article, reader, readerKey, mode);
    const stage = funnelStageOf[result.decision];
    if (mode === 'count' && stage !== undefined) this.funnel?.record(stage, readerKey);
    return result;
  }

  private async decideOnce(article: Pick<ArticleSummary, 'slug' | 'access' | 'section'>, reader: Reader, readerKey: string | undefined, mode: GateMode): Promise<GateResult> {
    const nowMs = this.clock();
    const signedIn = reader.accountId !== undefined;
    const capped = reader.capped === true;
    const articleId = meterArticleId(article.slug);
    try {
      for (let attempt = 1; ; attempt += 1) {
        const { value: settings, version } = await this.settings.current();
        const access = effectiveAccess(article, settings.sections);
        const limit = meterLimitFor({ signedIn, capped }, settings);
        const window = meterWindow(settings.period, nowMs);
        const metered = needsMeter(access, { signedIn, entitlement: 'none' }, limit);
        // Not metered: only the settings version and entitlement. A reader with no id yet
        // (an API peek before any view) is asked about as an empty meter, never counted.
        const storeMode = !metered ? 'check' : readerKey === undefined || mode !== 'count' ? 'peek' : 'count';
        const answer: ViewAnswer = await this.store.view({
          settingsVersion: version,
          readerKey: readerKey ?? 'a:-',
          accountId: reader.accountId,
          mode: storeMode,
          articleId,
          limit,
          window,
          nowMs,
        });
        if (answer.kind === 'ok') {
          const reader_ = { signedIn, entitlement: answer.entitlement };
          const meterApplies = needsMeter(access, reader_, limit);
          const outcome: MeterOutcome | undefined = meterApplies && answer.meter ? (answer.meter.granted ? 'granted' : 'refused') : undefined;
          const decision = decideAccess({ access, reader: reader_, limit, meter: outcome, onStoreFailure: settings.onStoreFailure });
          // A preview answers as the view would: a new article granted now would be counted.
          const meter = mode === 'preview' && answer.meter?.granted && !answer.meter.alreadyCounted ? { ...answer.meter, used: answer.meter.used + 1 } : answer.meter;
          return this.result(decision, settings, answer.entitlement, access === 'metered' && answer.entitlement !== 'subscriber' ? limit : null, meter, window, nowMs, false);
        }
        if (attempt >= attempts) throw new MeterStoreUnavailable(new Error(`the meter store kept answering ${answer.kind}`));
        if (answer.kind === 'stale-settings') await this.settings.reload();
        else if (reader.accountId !== undefined) {
          const found = await this.entitlements.lookup(reader.accountId, new Date(nowMs));
          // A grant that lapses by itself (past_due grace) is cached no longer than it lasts.
          const ttl = found.validUntil === null ? undefined : Math.ceil((found.validUntil.getTime() - nowMs) / 1000);
          await this.store.cacheEntitlement(reader.accountId, found.entitlement, ttl);
        }
      }
    } catch (error) {
      // The meter store, or the database while (re)loading settings: either way the
      // publisher's failure policy decides, with the settings this instance has.
      if (!(error instanceof MeterStoreUnavailable) && !isStoreOutage(error)) throw error;
      return this.whenStoreUnavailable(article, reader, nowMs, error);
    }
  }

  /** Carries this period's anonymous reads into the account; a failure must not block sign-in. */
  async carryOver(anonymousId: string | undefined, accountId: string): Promise<void> {
    if (anonymousId === undefined) return;
    const { value: settings } = await this.settings.current();
    const nowMs = this.clock();
    try {
      await this.store.carryOver(`a:${anonymousId}`, `u:${accountId}`, meterWindow(settings.period, nowMs), nowMs);
    } catch (error) {
      this.logger.warn({ err: error }, 'could not carry anonymous reads into the account');
    }
  }

  private async whenStoreUnavailable(article: Pick<ArticleSummary, 'access' | 'section'>, reader: Reader, nowMs: number, error: unknown): Promise<GateResult> {
    this.logger.warn({ err: error }, 'meter store unavailable; following onStoreFailure');
    const { value: settings } = this.settings.cachedOrDefault();
    const signedIn = reader.accountId !== undefined;
    const capped = reader.capped === true;
    // Subscribers keep reading: their entitlement is in the database, not only in Redis.
    let entitlement: Entitlement = 'none';
    if (reader.accountId !== undefined) {
      entitlement = await this.entitlements.entitlementOf(reader.accountId, new Date(nowMs)).catch(() => 'none' as const);
    }
    const access = effectiveAccess(article, settings.sections);
    const limit = meterLimitFor({ signedIn, capped }, settings);
    const decision = decideAccess({ access, reader: { signedIn, entitlement }, limit, meter: 'unavailable', onStoreFailure: settings.onStoreFailure });
    return this.result(decision, settings, entitlement, access === 'metered' && entitlement !== 'subscriber' ? limit : null, undefined, meterWindow(settings.period, nowMs), nowMs, true);
  }

  private result(
    decision: Decision,
    settings: MeterSettings,
    entitlement: Entitlement,
    limit: number | null,
    meter: MeterState | undefined,
    window: ReturnType<typeof meterWindow>,
    nowMs: number,
    storeUnavailable: boolean,
  ): GateResult {
    const used = meter?.used ?? 0;
    this.metrics?.accessDecisions.inc({ decision });
    if (storeUnavailable) this.metrics?.meterStoreErrors.inc();
    return {
      decision,
      settings,
      entitlement,
      limit,
      remaining: limit === null || storeUnavailable ? null : Math.max(0, limit - used),
      used,
      periodEndsAt: periodEndsAt(window, meter?.oldestReadAtMs, nowMs),
      storeUnavailable,
    };
  }
}
