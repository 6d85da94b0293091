import fs from 'node:fs';
import path from 'node:path';
import { startTestApp } from '../support/test-app';
import { describeWithBrowser } from '../support/services';
import { startBrowserHarness, type BrowserHarness } from '../support/browser';
import { newEmail } from '../support/http';

// SCREENSHOTS=docs npm test -- test/browser refreshes the pictures in docs/.
const screenshotDir = process.env.SCREENSHOTS;

describeWithBrowser('a reader in a real browser', () => {
  let h: BrowserHarness;
  beforeAll(async () => {
    h = await startBrowserHarness(await startTestApp('embedded'));
  });
  afterAll(() => h?.close());

  async function shoot(page: import('playwright-core').Page, name: string) {
    if (!screenshotDir) return;
    fs.mkdirSync(screenshotDir, { recursive: true });
    await page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage: true });
  }

  it('when a reader signs up from an article page, then they land back on it, signed in', async () => {
    const context = await h.browser.newContext({ viewport: { width: 1100, height: 800 } });
    const page = await context.newPage();
    const violations: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') violations.push(message.text());
    });

    await page.goto(`${h.baseUrl}/`);
    await shoot(page, 'front-page');
    await page.getByRole('link', { name: 'Flood defence budget doubled after autumn storms' }).click();
    await page.waitForURL('**/articles/flood-defences-budget');
    await shoot(page, 'article');

    await page.getByRole('link', { name: 'Create a free account' }).click();
    await page.waitForURL('**/signup?returnTo=*');
    await page.getByLabel('Email address').fill(newEmail());
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Create a free account' }).click();
    await page.locator('#password-error').getByText('Use at least 8 characters.').waitFor();

    await page.getByLabel('Password').fill('lantern harbour tide');
    await shoot(page, 'signup');
    await page.getByRole('button', { name: 'Create a free account' }).click();
    await page.waitForURL('**/articles/flood-defences-budget');
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    expect(await page.getByRole('link', { name: 'Your account' }).isVisible()).toBe(true);
    expect(await page.locator('h1').textContent()).toBe('Flood defence budget doubled after autumn storms');

    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'gatehouse.sid');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax' });

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('link', { name: 'Sign in' }).waitFor();
    expect(violations.filter((v) => v.includes('Content Security Policy'))).toEqual([]);
    await context.close();
  });
});
