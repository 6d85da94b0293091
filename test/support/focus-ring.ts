import type { Page } from 'playwright-core';

export interface FocusRing {
  readonly element: string;
  readonly focusVisible: boolean;
  readonly outlineColor: string;
  readonly outlineStyle: string;
  readonly outlineWidth: number;
  /** The body's background. */
  readonly pageBackground: string;
  /** The first opaque background around the element: what the ring, drawn outside it, sits on. */
  readonly surroundingBackground: string;
}

// Runs in the page; this project's types have no DOM, so the few calls are typed here.
type El = { tagName: string; className: string; textContent: string | null; parentElement: El | null; matches(s: string): boolean };
type InPage = { document: { activeElement: El | null; body: El }; getComputedStyle(e: El): Record<string, string> };

/** Presses Tab (at most 40 times) until an element with `tagName` has the focus, and reads its ring. */
export async function focusRingOf(page: Page, tagName: 'A' | 'BUTTON'): Promise<FocusRing> {
  for (let presses = 0; presses < 40; presses += 1) {
    await page.keyboard.press('Tab');
    const ring = await page.evaluate((wanted) => {
      const { document, getComputedStyle } = globalThis as unknown as InPage;
      const element = document.activeElement;
      // The skip link is drawn against the window's edge; a link in the page says more.
      if (element === null || element.tagName !== wanted || element.className.includes('skip-link')) return undefined;
      const style = getComputedStyle(element);
      let around = element.parentElement;
      while (around !== null && /rgba\(.*,\s*0\)|transparent/.test(getComputedStyle(around).backgroundColor ?? '')) around = around.parentElement;
      return {
        element: `${element.tagName.toLowerCase()} "${(element.textContent ?? '').trim()}"`,
        focusVisible: element.matches(':focus-visible'),
        outlineColor: style.outlineColor!,
        outlineStyle: style.outlineStyle!,
        outlineWidth: parseFloat(style.outlineWidth!),
        pageBackground: getComputedStyle(document.body).backgroundColor!,
        surroundingBackground: getComputedStyle(around ?? document.body).backgroundColor!,
      };
    }, tagName);
    if (ring !== undefined) return ring;
  }
  throw new Error(`no ${tagName} took the focus in 40 presses of Tab`);
}

function channels(color: string): [number, number, number] {
  const match = /rgba?\((\d+(?:\.\d+)?),\s*(\d+(?:\.\d+)?),\s*(\d+(?:\.\d+)?)/.exec(color);
  if (!match) throw new Error(`not an rgb() colour: ${color}`);
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

/** WCAG's relative luminance of an sRGB colour. */
function luminance(color: string): number {
  const [r, g, b] = channels(color).map((c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG's contrast ratio of two computed colours (`rgb(…)`), from 1 to 21. */
export function contrastRatio(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}
