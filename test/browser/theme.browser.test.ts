import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { startTestApp } from '../support/test-app';
import { describeWithBrowser } from '../support/services';
import { screenshot, startBrowserHarness, type BrowserHarness } from '../support/browser';
import { signUp } from '../support/http';
import { auditPage, blocking, describeViolations } from '../support/axe';

/** A wide logo (a masthead must fit it on a phone) in THEME_DIR/assets, served at /gatehouse/theme/. */
const logo = `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="96" viewBox="0 0 640 96"><rect width="640" height="96" fill="#7a1f3d"/><text x="24" y="64" font-family="Georgia, serif" font-size="48" fill="#fff">The Tidewater Courier</text></svg>`;

const widths = [
  { name: 'desktop', viewport: { width: 1280, height: 800 } },
  { name: 'mobile', viewport: { width: 375, height: 740 } },
];

// These run in the page, where the DOM exists; this project's types have no DOM.
type InPage = { getComputedStyle(element: unknown): Record<string, string> };
const styleOf = (locator: Locator, property: string) => locator.evaluate((element, p) => (globalThis as unknown as InPage).getComputedStyle(element)[p], property);
const loadedWidthOf = (locator: Locator) => locator.evaluate((img) => ((img as { complete: boolean }).complete ? (img as { naturalWidth: number }).naturalWidth : 0));

async function expectNoBlockingViolations(page: Page, what: string) {
  const found = blocking(await auditPage(page));
  if (found.length > 0) throw new Error(`${found.length} serious or critical axe violation(s) on ${what}:\n${describeViolations(found)}`);
}

describeWithBrowser('a theme set in the admin form, in a real browser', () => {
  let h: BrowserHarness;
  const themeParent = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-theme-'));
  const themeDir = path.join(themeParent, 'theme');
  fs.mkdirSync(path.join(themeDir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(themeDir, 'assets', 'logo.svg'), logo);
  fs.writeFileSync(path.join(themeDir, 'theme.css'), '.masthead { border-bottom-color: #7a1f3d; }\n');

  beforeAll(async () => {
    h = await startBrowserHarness(await startTestApp('embedded', { env: { THEME_DIR: themeDir, SITE_NAME: 'The Tidewater Courier' } }));
  });
  afterAll(async () => {
    await h?.close();
    fs.rmSync(themeParent, { recursive: true, force: true });
  });

  it('when an admin sets a logo, an accent, section names and a time zone, then readers see them at both widths and axe finds nothing serious', async () => {
    const { email, password } = await signUp(h.t.app);
    await h.t.deps.auth.accountsRepository.setAdmin(email, true);
    const admin = await h.browser.newContext({ viewport: widths[0]!.viewport });
    const page = await admin.newPage();
    await page.goto(`${h.baseUrl}/signin?returnTo=%2Fadmin`);
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL('**/admin');

    // The navigation leads to the form.
    await page.getByRole('navigation', { name: 'Admin sections' }).getByRole('link', { name: 'Presentation' }).click();
    await page.waitForURL('**/admin#presentation');

    await page.getByLabel(/^Accent colour/).fill('#f0c000');
    await page.getByRole('button', { name: 'Save presentation' }).click();
    await page.getByText(/Accent colour has a contrast of 1\.\d\d:1 with white/).waitFor();

    await page.getByLabel(/^Logo/).fill('/gatehouse/theme/logo.svg');
    await page.getByLabel(/^Accent colour/).fill('#7a1f3d');
    await page.getByLabel(/^Sections in the order to show/).fill('culture: Arts and Culture\nnews: Top Stories');
    await page.getByLabel(/^Time zone of the dates/).fill('Pacific/Auckland');
    await page.getByRole('button', { name: 'Save presentation' }).click();
    await page.waitForURL('**/admin?saved=presentation#presentation');
    await page.getByText('Presentation saved.').waitFor();
    // Buttons take the accent through the generated stylesheet (no inline style under the CSP).
    expect(await styleOf(page.getByRole('button', { name: 'Save presentation' }), 'backgroundColor')).toBe('rgb(122, 31, 61)');
    for (const { viewport } of widths) {
      await page.setViewportSize(viewport);
      await expectNoBlockingViolations(page, `the admin console at ${viewport.width}px`);
    }
    await admin.close();

    for (const { name, viewport } of widths) {
      const reader = await h.browser.newContext({ viewport });
      const front = await reader.newPage();
      const violations: string[] = [];
      front.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
      });
      await front.goto(`${h.baseUrl}/`);
      const masthead = front.getByRole('link', { name: 'The Tidewater Courier' });
      await masthead.locator('img').waitFor();
      expect(await loadedWidthOf(masthead.locator('img'))).toBe(640);
      const box = await masthead.boundingBox();
      expect(box!.width).toBeLessThanOrEqual(viewport.width);
      // Nothing makes the page wider than the screen.
      expect(await front.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(viewport.width);
      const sections = await front.locator('h2.section__title').allTextContents();
      expect(sections.slice(0, 2).map((s) => s.trim().toLowerCase())).toEqual(['arts and culture', 'top stories']);
      expect(await styleOf(front.getByRole('link', { name: 'Create a free account' }), 'backgroundColor')).toBe('rgb(122, 31, 61)');
      expect(await styleOf(front.locator('.masthead'), 'borderBottomColor')).toBe('rgb(122, 31, 61)');
      expect(violations).toEqual([]);
      await expectNoBlockingViolations(front, `the themed front page at ${name} width`);
      await screenshot(front, `theme-${name}`);
      await reader.close();
    }
  });
});
