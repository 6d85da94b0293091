import type { Page } from 'playwright-core';
import { describeWithBrowser } from '../support/services';
import { auditPage, blocking, describeViolations } from '../support/axe';
import { contrastRatio, focusRingOf } from '../support/focus-ring';
import { buildMessages } from '../../src/http/i18n';
import { auditEach, readerPages, startAuditedSite, summaryFocused, widths, type AuditedPage, type AuditedSite } from './reader-pages';

// The page list is shared with the German run (accessibility-de.browser.test.ts): test/browser/reader-pages.ts.
describeWithBrowser('accessibility of every reader-facing page in a real browser (axe-core, WCAG 2.2 AA)', () => {
  let site: AuditedSite;

  beforeAll(async () => {
    site = await startAuditedSite();
  });
  afterAll(() => site?.close());

  const open = (page: Page, path: string) => site.open(page, path);

  // The admin console is English whatever LOCALE says (not reader-facing), so it is audited here only.
  const adminConsole: AuditedPage = {
    name: 'the admin console',
    visit: async (page, context) => {
      await site.signedIn(context, { admin: true });
      await open(page, '/admin');
      await page.getByRole('button', { name: 'Save meter settings' }).waitFor();
    },
  };
  auditEach(() => site, [...readerPages(() => site, buildMessages('en')), adminConsole]);

  it('when a page under the CSP gains an image without alt text and a nameless button, then the audit reports both as critical', async () => {
    const context = await site.h.browser.newContext();
    try {
      const page = await context.newPage();
      await open(page, '/terms');
      await page.evaluate(`document.querySelector('main').insertAdjacentHTML('beforeend', '<img src="/static/site.css"><button class="button"></button>')`);
      const found = blocking(await auditPage(page));
      expect(found.map((v) => [v.id, v.impact]).sort()).toEqual([['button-name', 'critical'], ['image-alt', 'critical']]);
      expect(describeViolations(found)).toMatch(/^- button-name \(critical\): \S*button: Fix any/m);
    } finally {
      await context.close();
    }
  });

  it('when the account page is read on a 375 px screen, then each consent row is a card naming every cell, and the column headers stay for screen readers', async () => {
    const context = await site.h.browser.newContext({ viewport: widths[1]!.viewport });
    try {
      const page = await context.newPage();
      await site.signedIn(context);
      await open(page, '/account');
      const table = page.getByRole('table', { name: 'Your consent history' });
      expect(await table.getByRole('columnheader').allTextContents()).toEqual(['Document', 'Version', 'How', 'When']);
      const cells = await table.locator('tbody td').evaluateAll((tds) =>
        tds.map((td) => {
          const before = (globalThis as unknown as { getComputedStyle(e: unknown, pseudo: string): { content: string; display: string } }).getComputedStyle(td, '::before');
          const box = (td as unknown as { getBoundingClientRect(): { right: number } }).getBoundingClientRect();
          return { label: (td as unknown as { dataset: { label?: string } }).dataset.label, before: before.content, right: box.right };
        }),
      );
      expect(cells.length).toBe(8);
      for (const cell of cells) {
        expect(cell.before).toBe(`"${cell.label}"`);
        expect(cell.right).toBeLessThanOrEqual(375);
      }
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    } finally {
      await context.close();
    }
  });

  it('when sign-up fails, then the error summary has the focus, and its link leads to the field', async () => {
    const context = await site.h.browser.newContext({ viewport: widths[0]!.viewport });
    try {
      const page = await context.newPage();
      await open(page, '/signup');
      await page.getByLabel('Email address').fill('not an email');
      await page.getByRole('button', { name: 'Create a free account' }).click();
      await summaryFocused(page);
      await page.getByRole('link', { name: 'Enter a valid email address, like name@example.com.' }).click();
      await page.waitForURL('**/signup#email');
      expect(await page.getByLabel('Email address').getAttribute('aria-invalid')).toBe('true');
    } finally {
      await context.close();
    }
  });

  it('when contrast ratios are computed, then they are WCAG\'s: 21:1 for black on white, under 3:1 for the old amber ring on the paper', () => {
    expect(contrastRatio('rgb(0, 0, 0)', 'rgb(255, 255, 255)')).toBeCloseTo(21, 5);
    expect(contrastRatio('rgb(255, 191, 71)', 'rgb(253, 252, 249)')).toBeLessThan(3);
    expect(contrastRatio('rgb(180, 83, 9)', 'rgb(253, 252, 249)')).toBeCloseTo(4.9, 1);
  });

  for (const kind of ['link', 'button'] as const) {
    it(`when a ${kind} is focused with Tab, then its focus ring has at least 3:1 contrast against the page background`, async () => {
      const context = await site.h.browser.newContext({ viewport: widths[0]!.viewport });
      try {
        const page = await context.newPage();
        await open(page, '/signin');
        const ring = await focusRingOf(page, kind === 'link' ? 'A' : 'BUTTON');
        expect(ring.focusVisible).toBe(true);
        expect(ring.outlineStyle).not.toBe('none');
        expect(ring.outlineWidth).toBeGreaterThanOrEqual(2);
        const onPage = contrastRatio(ring.outlineColor, ring.pageBackground);
        const surrounding = contrastRatio(ring.outlineColor, ring.surroundingBackground);
        const detail = `${ring.element}: outline ${ring.outlineColor} is ${onPage.toFixed(2)}:1 against the page (${ring.pageBackground}), ${surrounding.toFixed(2)}:1 against ${ring.surroundingBackground}`;
        expect({ detail, atLeast3: onPage >= 3 && surrounding >= 3 }).toEqual({ detail, atLeast3: true });
      } finally {
        await context.close();
      }
    });
  }
});
