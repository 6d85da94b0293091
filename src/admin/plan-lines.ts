import type { Plan } from '../billing/billing.module';

/**
 * The console's plans field: "price_id | name | description" per line, with the options
 * the API also takes in brackets at the end: `[highlighted, trial 14 days, promotion codes, seats 5]`.
 * What cannot be read stays in the plan as typed, for plansSchema to name.
 */
export function parsePlanLines(text: string): unknown[] {
  return text
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const options = /\[([^\]]*)\]\s*$/.exec(line);
      const body = options === null ? line : line.slice(0, options.index);
      const [priceId = '', name = '', ...description] = body.split('|').map((part) => part.trim());
      return { priceId, name, description: description.join(' | '), ...(options === null ? {} : optionsOf(options[1]!)) };
    });
}

function optionsOf(text: string): Record<string, unknown> {
  const plan: Record<string, unknown> = {};
  for (const raw of text.split(',').map((o) => o.trim().toLowerCase()).filter((o) => o !== '')) {
    const trial = /^trial (\d+) days?$/.exec(raw);
    const seats = /^seats (\d+)$/.exec(raw);
    if (raw === 'highlighted') plan.highlighted = true;
    else if (raw === 'promotion codes') plan.allowPromotionCodes = true;
    else if (trial !== null) plan.trialDays = Number(trial[1]);
    else if (seats !== null) plan.seats = Number(seats[1]);
    // An option nobody knows is kept under its own name: the schema refuses it by name.
    else plan[`option "${raw}"`] = true;
  }
  return plan;
}

export function plansText(plans: readonly Plan[]): string {
  return plans
    .map((p) => {
      const options = [p.highlighted ? 'highlighted' : '', p.trialDays ? `trial ${p.trialDays} days` : '', p.allowPromotionCodes ? 'promotion codes' : '', p.seats ? `seats ${p.seats}` : ''].filter(Boolean);
      const line = [p.priceId, p.name, p.description].filter(Boolean).join(' | ');
      return options.length === 0 ? line : `${line} [${options.join(', ')}]`;
    })
    .join('\n');
}
