import { plansSchema } from './plans';

const monthly = { priceId: 'price_monthly', name: 'Monthly' };
const yearly = { priceId: 'price_yearly', name: 'Yearly' };

/** The field paths of each issue, as the admin API names them ("1.highlighted"). */
function fieldsOf(value: unknown): string[] {
  const parsed = plansSchema.safeParse(value);
  return parsed.success ? [] : parsed.error.issues.map((i) => i.path.join('.'));
}

describe('plansSchema', () => {
  it('when stored plans have none of the new fields, then they stay valid and read as before', () => {
    expect(plansSchema.parse([{ ...monthly, description: 'Every article' }, yearly])).toEqual([
      { ...monthly, description: 'Every article' },
      { ...yearly, description: '' },
    ]);
  });

  it('when a plan is highlighted, has trial days and allows promotion codes, then they are kept', () => {
    expect(plansSchema.parse([{ ...monthly, highlighted: true, trialDays: 14, allowPromotionCodes: true }, { ...yearly, highlighted: false }])).toEqual([
      { ...monthly, description: '', highlighted: true, trialDays: 14, allowPromotionCodes: true },
      { ...yearly, description: '', highlighted: false },
    ]);
  });

  it('when two plans are highlighted, then the second is named', () => {
    expect(fieldsOf([{ ...monthly, highlighted: true }, { ...yearly, highlighted: true }])).toEqual(['1.highlighted']);
    expect(fieldsOf([{ ...monthly, highlighted: true }, { ...yearly, highlighted: false }])).toEqual([]);
  });

  it.each([
    [0, 'must be at least 1'],
    [731, 'must be at most 730'],
    [1.5, 'must be a whole number of days'],
    ['14', 'must be a whole number of days'],
    [null, 'must be a whole number of days'],
  ])('when trialDays is %p, then it is refused: %s', (trialDays, message) => {
    const parsed = plansSchema.safeParse([{ ...monthly, trialDays }]);
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['0.trialDays', message]]);
  });

  it('when trialDays is 1 or 730, then it is taken', () => {
    expect(fieldsOf([{ ...monthly, trialDays: 1 }, { ...yearly, trialDays: 730 }])).toEqual([]);
  });

  it('when highlighted or allowPromotionCodes is not a boolean, then that field is named', () => {
    expect(fieldsOf([{ ...monthly, highlighted: 'yes', allowPromotionCodes: 1 }])).toEqual(['0.highlighted', '0.allowPromotionCodes']);
  });

  it('when a plan carries a field no plan has, then it is refused', () => {
    expect(plansSchema.safeParse([{ ...monthly, trial_days: 14 }]).success).toBe(false);
  });
});
