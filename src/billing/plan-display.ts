import type { Plan } from './plans';
import { formatAmount, formatRecurringPrice, formatTrialOffer, type Interval } from './price-format';
import type { StripePrice } from './stripe-price';

/** A plan's price as the wall shows it, from Stripe's price object. */
export interface DisplayPrice {
  /** In the currency's minor units (cents), as Stripe gives it. */
  readonly amount: number;
  /** Lower case, as Stripe writes it ("eur"). */
  readonly currency: string;
  readonly interval: Interval;
  readonly intervalCount: number;
  /** The amount alone in the site's locale ("€5.00", "5,00 €"), for a catalog's words around it. */
  readonly amountText: string;
  /** "€5.00 per month", "€50.00 every 2 years": in English (the catalogs phrase their own from the fields above). */
  readonly formatted: string;
}

/** Everything the paywall and the plans page show of one plan. */
export interface PlanDisplay {
  readonly priceId: string;
  readonly name: string;
  readonly description: string;
  /** The plan the publisher picked out ("Most popular"); at most one. */
  readonly highlighted: boolean;
  /** Undefined while Stripe's price is not known (not loaded yet, unreachable, or not one recurring amount). */
  readonly price: DisplayPrice | undefined;
  /** The plan's own trial, else the price's trial_period_days; undefined for none. */
  readonly trialDays: number | undefined;
  /** Whether this reader would get the trial at Checkout: the plan has one and the reader never had one. */
  readonly trialOffered: boolean;
  /** Whether Checkout takes a promotion code for this plan. */
  readonly allowPromotionCodes: boolean;
  /**
   * The line under the plan's name: "Free for 14 days, then €5.00 per month" when the trial
   * is offered, else "€5.00 per month"; "Free for 14 days" without a known price; undefined
   * when there is nothing to say. English, as `price.formatted`.
   */
  readonly offer: string | undefined;
}

/** The trial Checkout gives for a plan: the plan's own days, else the price's, else none. */
export function trialDaysOf(plan: Plan, price: StripePrice | undefined): number | undefined {
  return plan.trialDays ?? price?.trialPeriodDays ?? undefined;
}

export function displayPriceOf(price: StripePrice | undefined, locale = 'en'): DisplayPrice | undefined {
  if (price === undefined || price.amount === null || price.interval === null) return undefined;
  const shown = { amount: price.amount, currency: price.currency, interval: price.interval, intervalCount: price.intervalCount };
  return { ...shown, amountText: formatAmount(price.amount, price.currency, locale), formatted: formatRecurringPrice(shown) };
}

/** The plans as a reader sees them, in the publisher's order. Pure: no I/O. */
export function displayPlans(
  plans: readonly Plan[],
  prices: ReadonlyMap<string, StripePrice | undefined>,
  reader: { readonly hadTrial: boolean },
  locale = 'en',
): PlanDisplay[] {
  return plans.map((plan) => {
    const stripePrice = prices.get(plan.priceId);
    const price = displayPriceOf(stripePrice, locale);
    const trialDays = trialDaysOf(plan, stripePrice);
    const trialOffered = trialDays !== undefined && !reader.hadTrial;
    return {
      priceId: plan.priceId,
      name: plan.name,
      description: plan.description,
      highlighted: plan.highlighted === true,
      price,
      trialDays,
      trialOffered,
      allowPromotionCodes: plan.allowPromotionCodes === true,
      offer: trialOffered ? formatTrialOffer(trialDays, price?.formatted) : price?.formatted,
    };
  });
}
