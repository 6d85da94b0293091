import { plansSchema } from '../billing/billing.module';
import { parsePlanLines, plansText } from './plan-lines';

describe('the console\'s plan lines', () => {
  it('when a line ends with options in brackets, then they become the plan\'s highlighted, trial and promotion-code fields', () => {
    const parsed = plansSchema.parse(parsePlanLines('price_monthly | Monthly | Every article | billed monthly [highlighted, trial 14 days, promotion codes]\nprice_yearly | Yearly'));
    expect(parsed).toEqual([
      { priceId: 'price_monthly', name: 'Monthly', description: 'Every article | billed monthly', highlighted: true, trialDays: 14, allowPromotionCodes: true },
      { priceId: 'price_yearly', name: 'Yearly', description: '' },
    ]);
  });

  it('when plans are shown in the form, then saving the text back keeps every field', () => {
    const plans = plansSchema.parse([
      { priceId: 'price_a', name: 'A', description: 'x', highlighted: true, trialDays: 7 },
      { priceId: 'price_b', name: 'B', description: '', allowPromotionCodes: true },
    ]);
    expect(plansSchema.parse(parsePlanLines(plansText(plans)))).toEqual(plans);
  });

  it('when a line carries [seats 5], then the plan is a group plan of 5 seats, and the text shown saves back the same', () => {
    const [plan] = plansSchema.parse(parsePlanLines('price_team | Team | For five [seats 5, promotion codes]'));
    expect(plan).toEqual({ priceId: 'price_team', name: 'Team', description: 'For five', seats: 5, allowPromotionCodes: true });
    expect(plansText([plan!])).toBe('price_team | Team | For five [promotion codes, seats 5]');
    expect(plansSchema.parse(parsePlanLines(plansText([plan!])))).toEqual([plan]);
  });

  it('when seats are fewer than 2 or more than 1000, then the schema refuses the line and names the field', () => {
    for (const seats of [1, 1001]) {
      const result = plansSchema.safeParse(parsePlanLines(`price_team | Team [seats ${seats}]`));
      expect(result.success).toBe(false);
      expect(result.error!.issues.map((i) => i.path.join('.'))).toEqual(['0.seats']);
    }
  });

  it('when an option is not known, then the schema refuses the line and names it', () => {
    const result = plansSchema.safeParse(parsePlanLines('price_a | A [gold plated]'));
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error!.issues)).toContain('option \\"gold plated\\"');
  });
});
