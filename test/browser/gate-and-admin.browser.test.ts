import { startTestApp } from '../support/test-app';
import { describeWithBrowser } from '../support/services';
import { screenshot, startBrowserHarness, type BrowserHarness } from '../support/browser';
import { newEmail, signUp } from '../support/http';
import { signinLinkTo } from '../support/email-links';
import { makeFixtureContent, marker } from '../support/fixture-content';

describeWithBrowser('the gate and the admin console in a real browser', () => {
  let h: BrowserHarness;
  beforeAll(async () => {
    h = await startBrowserHarness(await startTestApp('embedded', { env: { CONTENT_DIR: makeFixtureContent() } }));
  });
  afterAll(() => h?.close());

  it('when an admin sets the anonymous allowance to 1 in the form, then a new reader meets the wall on the second article', async () => {
    const { email, password } = await signUp(h.t.app);
    await h.t.deps.auth.accountsRepository.setAdmin(email, true);
    const admin = await h.browser.newContext();
    const page = await admin.newPage();
    await page.goto(`${h.baseUrl}/admin`);
    await page.waitForURL('**/signin?returnTo=%2Fadmin');
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL('**/admin');

    await page.getByLabel('Articles for readers without an account').fill('one');
    await page.getByRole('button', { name: 'Save meter settings' }).click();
    await page.getByText('Must be a whole number').waitFor();

    await page.getByLabel('Articles for readers without an account').fill('1');
    await page.getByLabel('Paragraphs shown above the gate').fill('1');
    await page.getByRole('button', { name: 'Save meter settings' }).click();
    await page.waitForURL('**/admin?saved=1');
    await page.getByText('Meter settings saved.').waitFor();
    await screenshot(page, 'admin');
    expect(await page.getByLabel('Articles for readers without an account').inputValue()).toBe('1');
    await admin.close();

    const reader = await h.browser.newContext();
    const readerPage = await reader.newPage();
    const first = await readerPage.goto(`${h.baseUrl}/articles/m1`);
    expect(first?.headers()['x-access-decision']).toBe('metered');
    await readerPage.getByText('This is your last free article this month.').waitFor();

    const second = await readerPage.goto(`${h.baseUrl}/articles/marked`);
    expect(second?.headers()['x-access-decision']).toBe('registration-wall');
    await readerPage.getByRole('heading', { name: 'Sign in or Create a free account' }).waitFor();
    expect(await readerPage.content()).not.toContain(marker(2));

    // From the wall, in one step: the email, the emailed link, and back to the whole article, at the gate's place.
    const readerEmail = newEmail();
    await readerPage.locator('.gate').getByLabel('Email address').fill(readerEmail);
    await readerPage.locator('.gate').getByRole('button', { name: 'Continue' }).click();
    await readerPage.getByRole('heading', { name: 'Check your email' }).waitFor();
    await readerPage.goto(`${h.baseUrl}${(await signinLinkTo(h.t.deps.config.dataDir, readerEmail)).path}`);
    await readerPage.getByRole('button', { name: 'Create my free account' }).click();
    await readerPage.waitForURL('**/articles/marked#continue-reading');
    await readerPage.getByText(marker(6)).waitFor();
    await reader.close();

    // The console's funnel: two readers read free (the reader, then the same person signed
    // in), one met the wall, two accounts were made (the admin's too), nobody met the paywall.
    const back = await h.browser.newContext();
    const console_ = await back.newPage();
    await console_.goto(`${h.baseUrl}/signin?returnTo=%2Fadmin%23funnel`);
    await console_.getByLabel('Email address').fill(email);
    await console_.getByLabel('Password').fill(password);
    await console_.getByRole('button', { name: 'Sign in', exact: true }).click();
    await console_.waitForURL('**/admin#funnel');
    const chart = console_.getByRole('img', { name: /Readers at each stage of the funnel/ });
    expect((await chart.boundingBox())?.width).toBeGreaterThan(300);
    const bars = console_.locator('.funnel-chart__bar');
    // Read free, read a gift, saw the wall, created an account, saw the paywall, checkout, subscribed.
    expect(await bars.count()).toBe(7);
    const widths = await Promise.all([0, 1, 2, 3, 4].map(async (i) => (await bars.nth(i).boundingBox())?.width ?? 0));
    expect(widths[0]).toBeGreaterThan(100);
    expect(widths[1]).toBe(0);
    expect(widths[2]).toBeCloseTo(widths[0]! / 2, 0);
    expect(widths[3]).toBeCloseTo(widths[0]!, 0);
    expect(widths[4]).toBe(0);
    await screenshot(console_, 'admin-funnel');
    // On a phone the labels and figures stay readable: at least 12 px as shown (an SVG text's
    // size is scaled by its viewBox, so the screen matrix counts too).
    await console_.setViewportSize({ width: 375, height: 740 });
    const shownSizes = await console_.locator('.funnel-chart__label, .funnel-chart__value').evaluateAll((elements) =>
      elements.map((e) => {
        const size = parseFloat((globalThis as unknown as { getComputedStyle(e: unknown): { fontSize: string } }).getComputedStyle(e).fontSize);
        const svg = (e as unknown as { ownerSVGElement?: { getScreenCTM(): { a: number } | null } | null }).ownerSVGElement;
        return size * (svg ? (svg.getScreenCTM()?.a ?? 1) : 1);
      }),
    );
    expect(shownSizes.length).toBe(2 * (await bars.count()));
    expect(Math.min(...shownSizes)).toBeGreaterThanOrEqual(12);
    await back.close();
  });
});
