import { z } from 'zod';
import type { SettingsRepository } from '../meter/settings.repository';

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

/** The publisher's plans, kept as a settings document (read per request: plans pages are rare). */
export class PlansService {
  private cache: { plans: Plan[]; at: number } | undefined;

  constructor(
    private readonly settings: SettingsRepository,
    private readonly cacheMs = 30_000,
  ) {}

  /**
   * The plans as shown on the paywall: kept up to 30 s, so that a wall view costs no query.
   * Checkout always checks against list(), never this copy.
   */
  async listForDisplay(now = Date.now()): Promise<Plan[]> {
    if (this.cache !== undefined && now - this.cache.at < this.cacheMs) return this.cache.plans;
    const plans = await this.list();
    this.cache = { plans, at: now };
    return plans;
  }

  async list(): Promise<Plan[]> {
    const stored = await this.settings.get('plans');
    const parsed = plansSchema.safeParse(stored?.value ?? []);
    return parsed.success ? parsed.data : [];
  }

  async find(priceId: string): Promise<Plan | undefined> {
    return (await this.list()).find((p) => p.priceId === priceId);
  }

  async replace(plans: Plan[]): Promise<Plan[]> {
    await this.settings.put('plans', plans);
    this.cache = undefined;
    return plans;
  }
}
