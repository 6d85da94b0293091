import { z } from 'zod';
import type { Clock } from '../config/clock';
import type { PlansRepository } from './plans.repository';

export const planSchema = z
  .object({
    priceId: z.string({ error: 'is required' }).regex(/^price_[A-Za-z0-9_]{1,200}$/, 'must be a Stripe price id such as price_1Mo…'),
    name: z.string({ error: 'is required' }).trim().min(1, 'is required').max(80, 'must be at most 80 characters'),
    description: z.string().trim().max(500, 'must be at most 500 characters').default(''),
  })
  .strict();
export const plansSchema = z.array(planSchema, { error: 'must be a list of plans' }).max(20, 'at most 20 plans').superRefine((plans, ctx) => {
  const seen = new Set<string>();
  plans.forEach((plan, index) => {
    if (seen.has(plan.priceId)) ctx.addIssue({ code: 'custom', path: [index, 'priceId'], message: 'appears twice' });
    seen.add(plan.priceId);
  });
});
export type Plan = z.infer<typeof planSchema>;

const displayCacheMs = 30_000;
/**
 * How old a copy the webhooks may apply entitlements with. Short: another instance's change
 * of plans reaches this one within it (this instance's own change clears the copy at once).
 */
const recentCacheMs = 5_000;

/** The publisher's plans, kept as a settings document. */
export class PlansService {
  private cache: { plans: Plan[]; at: number } | undefined;

  constructor(
    private readonly repository: PlansRepository,
    private readonly clock: Clock,
  ) {}

  /**
   * The plans as shown on the paywall: kept up to 30 s, so that a wall view costs no query.
   * Checkout always checks against list(), never this copy.
   */
  listForDisplay(): Promise<Plan[]> {
    return this.listKept(displayCacheMs);
  }

  /** The plans as the webhooks apply them: kept up to 5 s, so that a burst of events costs one query. */
  listRecent(): Promise<Plan[]> {
    return this.listKept(recentCacheMs);
  }

  private async listKept(maxAgeMs: number): Promise<Plan[]> {
    const now = this.clock();
    if (this.cache !== undefined && now - this.cache.at < maxAgeMs) return this.cache.plans;
    const plans = await this.list();
    this.cache = { plans, at: now };
    return plans;
  }

  async list(): Promise<Plan[]> {
    const parsed = plansSchema.safeParse((await this.repository.get()) ?? []);
    return parsed.success ? parsed.data : [];
  }

  async find(priceId: string): Promise<Plan | undefined> {
    return (await this.list()).find((p) => p.priceId === priceId);
  }

  async replace(plans: Plan[]): Promise<Plan[]> {
    await this.repository.put(plans);
    this.cache = undefined;
    return plans;
  }
}
