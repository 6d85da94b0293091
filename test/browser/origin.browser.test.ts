import type { Locator, Page } from 'playwright-core';
import { startTestApp } from '../support/test-app';
import { describeWithBrowser } from '../support/services';
import { freePort, screenshot, startBrowserHarness, type BrowserHarness } from '../support/browser';
import { auditPage, blocking, describeViolations, type AxeViolation } from '../support/axe';
import { meterSettingsOf } from '../support/meter-settings';
import { newEmail } from '../support/http';
import { signinLinkTo } from '../support/email-links';
import { describeWithWordPress, markerParagraphs, startWordPress, type TestWordPress, type WordPressPost } from '../support/wordpress';

// SCREENSHOTS=docs npx jest test/browser/origin.browser.test.ts refreshes docs/origin-wordpress-gate.png.

const siteTitle = 'The WordPress Ledger';
/** Gatehouse's accent (public/origin.css `--gh-accent`, #0b5394) as the browser computes it. */
const gatehouseAccent = 'rgb(11, 83, 148)';
const markersOf = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}p${i + 1}x`);

// The callbacks below run in the page, where the DOM exists; this project's types have no DOM.
type InPage = {
  document: { body: unknown; documentElement: { outerHTML: string }; querySelector(selector: string): { closest(selector: string): unknown } | null };
  getComputedStyle(element: unknown): { fontFamily: string; backgroundColor: string; color: string; paddingTop: string };
};

function bodyFontOf(page: Page): Promise<string> {
  return page.evaluate(() => {
    const win = globalThis as unknown as InPage;
    return win.getComputedStyle(win.document.body).fontFamily;
  });
}

/** The few computed properties that tell Gatehouse's button from a link the theme styles. */
function lookOf(element: Locator) {
  return element.evaluate((el) => {
    const { backgroundColor, color, paddingTop } = (globalThis as unknown as InPage).getComputedStyle(el);
    return { backgroundColor, color, paddingTop };
  });
}

/** The part of axe's findings that falls inside what Gatehouse added to the publisher's page. */
async function violationsInGatehouse(page: Page, violations: readonly AxeViolation[]): Promise<AxeViolation[]> {
  const inside = await page.evaluate(
    (targets) => targets.map((target) => Boolean((globalThis as unknown as InPage).document.querySelector(target)?.closest('.gatehouse'))),
    violations.flatMap((v) => v.nodes.map((n) => n.target)),
  );
  let index = 0;
  return violations
    .map((v) => ({ ...v, nodes: v.nodes.filter(() => inside[index++]) }))
    .filter((v) => v.nodes.length > 0);
}

describeWithBrowser('a reader of a real WordPress through Gatehouse, in a real browser', () => {
  describeWithWordPress('(embedded, WordPress origin)', () => {
    let wp: TestWordPress;
    let h: BrowserHarness;
    let apiKey: string;
    let first: WordPressPost;
    let second: WordPressPost;
    const setMeter = meterSettingsOf(() => h.t, () => apiKey);

    beforeAll(async () => {
      wp = await startWordPress({ title: siteTitle });
      first = await wp.insertPost({ title: 'The council budget story', paragraphs: markerParagraphs('oa', 5), date: '2025-04-10 09:00:00' });
      second = await wp.insertPost({ title: 'The river contract inquiry', paragraphs: markerParagraphs('ob', 6), date: '2025-04-11 09:00:00' });
      // Gatehouse rewrites WordPress's links to its own address, so it must know the real one.
      const port = await freePort();
      const t = await startTestApp('embedded', {
        env: { ORIGIN_URL: wp.url, ORIGIN_CMS: 'wordpress', ORIGIN_ARTICLE_SELECTOR: '.entry-content', ORIGIN_ARTICLE_PATHS: '/:year/:month/:slug/', PUBLIC_URL: `http://127.0.0.1:${port}` },
      });
      h = await startBrowserHarness(t, port);
      apiKey = (await t.deps.admin.apiKeys.create('origin browser tests')).key;
      await setMeter({ anonymousLimit: 1, teaserParagraphs: 2 });
    }, 60_000);
    afterAll(async () => {
      await h?.close();
      await wp?.destroy();
    });

    /** A new reader who has read post 1 (checked here) and stands at post 2's wall. */
    async function readerAtTheWall(page: Page): Promise<void> {
      const bar = page.locator('.gatehouse-bar');
      const opened = await page.goto(`${h.baseUrl}${first.path}`);
      expect(opened?.headers()['x-access-decision']).toBe('metered');
      const firstText = await page.locator('.entry-content').innerText();
      for (const m of markersOf('oa', 5)) expect(firstText).toContain(m);
      expect((await page.locator('.site-title').textContent())?.trim()).toBe(siteTitle);
      expect(await bar.getByRole('link', { name: 'Sign in' }).isVisible()).toBe(true);
      expect(await bar.getByRole('link', { name: 'Create a free account' }).isVisible()).toBe(true);

      const walled = await page.goto(`${h.baseUrl}${second.path}`);
      expect(walled?.headers()['x-access-decision']).toBe('registration-wall');
      await page.locator('.gatehouse .gate').getByRole('heading', { name: 'Sign in or Create a free account' }).waitFor();
    }

    it('when a new reader opens two posts, then the second is cut at the gate, and after signing up from it they read it whole', async () => {
      const direct = await h.browser.newContext();
      const wordpressPage = await direct.newPage();
      await wordpressPage.goto(`${wp.url}${second.path}`);
      const wordpressBodyFont = await bodyFontOf(wordpressPage);
      await direct.close();

      const context = await h.browser.newContext({ viewport: { width: 1100, height: 900 } });
      const page = await context.newPage();
      const bar = page.locator('.gatehouse-bar');
      await readerAtTheWall(page);

      // Only the lead-in reaches the browser at all.
      const gate = page.locator('.gatehouse .gate');
      expect(await gate.isVisible()).toBe(true);
      const html = await page.evaluate(() => (globalThis as unknown as InPage).document.documentElement.outerHTML);
      const [lead, rest] = [markersOf('ob', 6).slice(0, 2), markersOf('ob', 6).slice(2)];
      for (const m of lead) expect(html).toContain(m);
      for (const m of rest) expect(html).not.toContain(m);

      // Gatehouse's stylesheet styles its bar; the publisher's theme still styles the page.
      const barButton = await lookOf(bar.getByRole('link', { name: 'Create a free account' }));
      const themeLink = await lookOf(page.locator('.site-title a'));
      expect(barButton).toMatchObject({ backgroundColor: gatehouseAccent, color: 'rgb(255, 255, 255)' });
      expect(barButton.paddingTop).not.toBe('0px');
      expect(themeLink.backgroundColor).not.toBe(barButton.backgroundColor);
      expect(await bodyFontOf(page)).toBe(wordpressBodyFont);
      await screenshot(page, 'origin-wordpress-gate');

      // From the gate, in one step: the email, the emailed link, and back to post 2, whole.
      const readerEmail = newEmail();
      await gate.getByLabel('Email address').fill(readerEmail);
      await gate.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('heading', { name: 'Check your email' }).waitFor();
      await page.goto(`${h.baseUrl}${(await signinLinkTo(h.t.deps.config.dataDir, readerEmail)).path}`);
      await page.getByRole('button', { name: 'Create my free account' }).click();
      await page.waitForURL(`**${second.path}#continue-reading`);
      const secondText = await page.locator('.entry-content').innerText();
      for (const m of markersOf('ob', 6)) expect(secondText).toContain(m);
      expect(await page.locator('.gatehouse .gate').count()).toBe(0);
      expect(await bar.getByRole('link', { name: 'Your account' }).isVisible()).toBe(true);
      expect((await page.locator('.site-title').textContent())?.trim()).toBe(siteTitle);
      await context.close();
    });

    it('when the publisher\'s theme styles its own .button, then the gate\'s buttons still look like Gatehouse\'s', async () => {
      const context = await h.browser.newContext();
      const page = await context.newPage();
      await readerAtTheWall(page);
      const gate = page.locator('.gatehouse .gate');
      const proceed = await lookOf(gate.getByRole('button', { name: 'Continue' }));
      const signIn = await lookOf(page.locator('.gatehouse-bar').getByRole('link', { name: 'Sign in' }));
      await context.close();
      // Twenty Twenty-One styles `.site .button:not(:hover):not(:active):not(.has-background)`
      // (specificity 0,5,0) in its own dark colour: origin.css must still win for the gate's.
      expect(proceed).toMatchObject({ backgroundColor: gatehouseAccent, color: 'rgb(255, 255, 255)' });
      expect(signIn).toMatchObject({ color: gatehouseAccent });
    });

    it('when axe audits the walled post, then nothing Gatehouse added stops a reader who relies on assistive technology', async () => {
      const context = await h.browser.newContext();
      const page = await context.newPage();
      await readerAtTheWall(page);
      const inGatehouse = await violationsInGatehouse(page, blocking(await auditPage(page)));
      await context.close();
      // The theme's dark button background under the secondary button's accent text was 1.69:1.
      expect(describeViolations(inGatehouse)).toBe('');
    });
  });
});
