import fs from 'node:fs';
import type { Page } from 'playwright-core';

const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** WCAG 2.0, 2.1 and 2.2 at levels A and AA: what the publisher's pages promise. */
export const wcag22aa = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: readonly { readonly target: string; readonly summary: string }[];
}

// The callbacks below run in the page, where the DOM exists; this project's types have no DOM.
type InPage = { axe: { run(context: unknown, options: unknown): Promise<{ violations: RawViolation[] }> } };
type RawViolation = { id: string; impact: string | null; help: string; nodes: { target: unknown[]; failureSummary?: string }[] };

/**
 * Runs axe-core on the page as it is now and answers its violations. The pages' CSP
 * (`script-src 'self'`) blocks an inline script tag, so axe goes in through the DevTools
 * protocol's evaluation, which the CSP does not govern; the page's own policy stays on.
 */
export async function auditPage(page: Page, tags: readonly string[] = wcag22aa): Promise<AxeViolation[]> {
  const loaded = await page.evaluate('typeof window.axe === "object"');
  if (!loaded) await page.evaluate(`${axeSource}\n;undefined`);
  return page.evaluate(async (runOnly) => {
    const { axe } = globalThis as unknown as InPage;
    const results = await axe.run((globalThis as unknown as { document: unknown }).document, { runOnly: { type: 'tag', values: runOnly }, resultTypes: ['violations'] });
    return results.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.map(String).join(' '), summary: (n.failureSummary ?? '').replace(/\s+/g, ' ').trim() })),
    }));
  }, [...tags]);
}

/** The violations a reader who relies on assistive technology would be stopped by. */
export const blocking = (violations: readonly AxeViolation[]) => violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');

/** One line per element: rule id, impact, target, and axe's summary of what to fix. */
export function describeViolations(violations: readonly AxeViolation[]): string {
  return violations
    .flatMap((v) => v.nodes.map((n) => `- ${v.id} (${v.impact}): ${n.target}: ${n.summary || v.help}`))
    .join('\n');
}
