import { z } from 'zod';
import type { Clock } from '../config/clock';
import type { PlansRepository } from './plans.repository';
import type { PriceCatalog } from './price-catalog';
import type { StripePrice } from './stripe-price';
import { displayPlans, trialDaysOf, type PlanDisplay } from './plan-display';

export const planSchema = z
  .object({
    priceId: z.string({ error: 'is required' }).regex(/^price_[A-Za-z0-9_]{1,200}$/, 'must be a Stripe price id such as price_1Mo…'),
    name: z.string({ error: 'is required' }).trim().min(1, 'is required').max(80, 'must be at most 80 characters'),
    description: z.string().trim().max(500, 'must be at most 500 characters').default(''),
    /** The plan the wall picks out ("Most popular"). */
    highlighted: z.boolean({ error: 'must be true or false' }).optional(),
    /** Days free before the first payment, for readers who never had a trial (Stripe allows 1 to 730). */
    trialDays: z.number({ error: 'must be a whole number of days' }).int('must be a whole number of days').min(1, 'must be at least 1').max(730, 'must be at most 730').optional(),
    /** Whether Checkout offers a promotion code field. */
    allowPromotionCodes: z.boolean({ error: 'must be true or false' }).optional(),
    /** A group plan: its buyer invites this many readers, who read as subscribers while it runs (the buyer is not counted). */
    seats: z.number({ error: 'must be a whole number of seats' }).int('must be a whole number of seats').min(2, 'must be at least 2').max(1000, 'must be at most 1000').optional(),
  })
  .strict();
export const plansSchema = z.array(planSchema, { error: 'must be a list of plans' }).max(20, 'at most 20 plans').superRefine((plans, ctx) => {
  const seen = new Set<string>();
  let highlighted = false;
  plans.forEach((plan, index) => {
    if (seen.has(plan.priceId)) ctx.addIssue({ code: 'custom', path: [index, 'priceId'], message: 'appears twice' });
    seen.add(plan.priceId);
    if (plan.highlighted === true) {
      if (highlighted) ctx.addIssue({ code: 'custom', path: [index, 'highlighted'], message: 'only one plan may be highlighted' });
      highlighted = true;
    }
  });
});
export type Plan = z.infer<typeof planSchema>;

const displayCacheMs = 30_000;
/**
 * How old a copy the webhooks may apply entitlements with. Short: another instance's change
 * of plans reaches this one within it (this instance's own change clears the copy at once).
 */
const recentCacheMs = 5_000;

/** Whether an account ever had a trial (billing's repository). */
export interface TrialHistory {
  hadTrial(accountId: string): Promise<boolean>;
}

export interface PlansServiceDeps {
  readonly repository: PlansRepository;
  readonly clock: Clock;
  /** The plans' Stripe prices; undefined without Stripe keys (plans show without prices). */
  readonly prices?: PriceCatalog | undefined;
  /** Without it (a tool, a bench), every reader is shown the trial; Checkout checks the account itself. */
  readonly trials?: TrialHistory;
  /** The locale prices are written in (Intl). */
  readonly locale?: string;
}

/** The publisher's plans, kept as a settings document, and how the wall shows them. */
export class PlansService {
  private cache: { plans: Plan[]; at: number } | undefined;
  /** The last display built, per trial history: rebuilt only when the plans or a price change. */
  private readonly shown = new Map<boolean, { plans: Plan[]; version: number; display: PlanDisplay[] }>();

  constructor(private readonly deps: PlansServiceDeps) {}

  /**
   * The plans as the paywall and the plans page show them, with Stripe's prices: the plans
   * kept up to 30 s and the prices up to 10 minutes, so that a wall view costs no query (one,
   * for a signed-in reader, when a plan has a trial) and never waits on Stripe but for the
   * very first fill. `accountId` is the reader's, to tell whether they are offered the trial;
   * without it the trial is offered (an anonymous reader has had none here).
   * Checkout always checks against list(), never this copy.
   */
  async listForDisplay(accountId?: string): Promise<PlanDisplay[]> {
    const plans = await this.listKept(displayCacheMs);
    const prices = this.deps.prices === undefined ? new Map<string, StripePrice | undefined>() : await this.deps.prices.forView(plans.map((p) => p.priceId));
    const mayTrial = plans.some((plan) => trialDaysOf(plan, prices.get(plan.priceId)) !== undefined);
    const hadTrial = accountId !== undefined && mayTrial && this.deps.trials !== undefined ? await this.deps.trials.hadTrial(accountId) : false;
    const version = this.deps.prices?.version ?? 0;
    const kept = this.shown.get(hadTrial);
    if (kept !== undefined && kept.plans === plans && kept.version === version) return kept.display;
    const display = displayPlans(plans, prices, { hadTrial }, this.deps.locale);
    this.shown.set(hadTrial, { plans, version, display });
    return display;
  }

  /** The trial Checkout gives for this plan to a reader who never had one (reads the price when the plan has no days of its own). */
  async trialDaysFor(plan: Plan): Promise<number | undefined> {
    if (plan.trialDays !== undefined || this.deps.prices === undefined) return plan.trialDays;
    return trialDaysOf(plan, await this.deps.prices.forCheckout(plan.priceId));
  }

  /** Loads the plans' prices now and waits for them (after a change of plans, so no reader waits; tests). */
  async loadPrices(): Promise<void> {
    await this.deps.prices?.fill((await this.list()).map((p) => p.priceId));
  }

  /** The plans as the webhooks apply them: kept up to 5 s, so that a burst of events costs one query. */
  listRecent(): Promise<Plan[]> {
    return this.listKept(recentCacheMs);
  }

  private async listKept(maxAgeMs: number): Promise<Plan[]> {
    const now = this.deps.clock();
    if (this.cache !== undefined && now - this.cache.at < maxAgeMs) return this.cache.plans;
    const plans = await this.list();
    this.cache = { plans, at: now };
    return plans;
  }

  async list(): Promise<Plan[]> {
    const parsed = plansSchema.safeParse((await this.deps.repository.get()) ?? []);
    return parsed.success ? parsed.data : [];
  }

  async find(priceId: string): Promise<Plan | undefined> {
    return (await this.list()).find((p) => p.priceId === priceId);
  }

  async replace(plans: Plan[]): Promise<Plan[]> {
    await this.deps.repository.put(plans);
    this.cache = undefined;
    // New prices are fetched now, behind the admin's answer, rather than by the first reader.
    void this.deps.prices?.fill(plans.map((p) => p.priceId));
    return plans;
  }
}
