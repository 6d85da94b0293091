import type { BrowserContext, Page } from 'playwright-core';
import { startTestApp } from '../support/test-app';
import { describeWithBrowser } from '../support/services';
import { freePort, screenshot, startBrowserHarness, type BrowserHarness } from '../support/browser';
import { auditPage, blocking, describeViolations } from '../support/axe';
import { newEmail, signUp } from '../support/http';
import { signinLinkTo } from '../support/email-links';
import { makeFixtureContent, marker, markerParagraphs } from '../support/fixture-content';

const article = '/articles/premium-one';
const widths = [1280, 375];

describeWithBrowser('a gift link in a real browser', () => {
  let h: BrowserHarness;
  const contexts: BrowserContext[] = [];
  const newContext = async () => {
    const context = await h.browser.newContext({ viewport: { width: 1280, height: 800 } });
    contexts.push(context);
    return context;
  };

  beforeAll(async () => {
    // The link the page shows is built from PUBLIC_URL: the app must live there to follow it as shown.
    const port = await freePort();
    const t = await startTestApp('embedded', { env: { CONTENT_DIR: makeFixtureContent(), PUBLIC_URL: `http://127.0.0.1:${port}` } });
    h = await startBrowserHarness(t, port);
  });
  afterAll(async () => {
    for (const context of contexts) await context.close();
    await h?.close();
  });

  /** A reader made a subscriber through the entitlements table (what billing writes), then signed in with the password form. */
  async function subscriberPage(): Promise<Page> {
    const { email, password } = await signUp(h.t.app);
    const id = (await h.t.deps.auth.accountsRepository.findByEmail(email))!.id;
    await h.t.deps.meter.entitlements.set(id, 'subscriber', null);
    await h.t.deps.meter.store.forgetEntitlement(id);
    const page = await (await newContext()).newPage();
    await page.goto(`${h.baseUrl}/signin?returnTo=${encodeURIComponent(article)}`);
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL((url) => url.pathname === article);
    return page;
  }

  const signedIn = (page: Page) => page.evaluate(async () => ((await (await fetch('/api/me')).json()) as { signedIn: boolean }).signedIn);

  it('when a subscriber gifts an article, then an anonymous reader reads it whole with the giver\'s line, signs up from the offer below it, and lands back on it signed in', async () => {
    // The subscriber gifts the article from its page and reads the link off the answer.
    const giver = await subscriberPage();
    const own = await giver.reload();
    expect(own?.headers()['x-access-decision']).toBe('subscriber');
    const [made] = await Promise.all([
      giver.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/gifts'),
      giver.getByRole('button', { name: 'Gift this article' }).click(),
    ]);
    expect(made.status()).toBe(201);
    await giver.getByRole('heading', { level: 1, name: 'Your gift link' }).waitFor();
    const link = await giver.getByRole('textbox', { name: 'Gift link', exact: true }).inputValue();
    expect(link).toMatch(new RegExp(`^${h.baseUrl}${article}\\?gift=[A-Za-z0-9_-]{43}$`));
    await screenshot(giver, 'gift-link');

    // An anonymous reader, in a context of their own, follows it.
    const reader = await (await newContext()).newPage();
    const view = await reader.goto(link);
    expect(view?.status()).toBe(200);
    expect(view?.headers()['x-access-decision']).toBe('gift');
    await reader.getByRole('status').filter({ hasText: 'A subscriber gave you this article' }).waitFor();
    await reader.getByText(marker(markerParagraphs)).waitFor();
    const offer = reader.locator('#gift-offer');
    await offer.getByRole('heading', { name: 'Read more with a free account' }).waitFor();
    expect(await signedIn(reader)).toBe(false);
    await screenshot(reader, 'gift-view');

    // Nothing on the gift view stops a reader who relies on assistive technology, on a desktop or a phone.
    for (const width of widths) {
      await reader.setViewportSize({ width, height: 800 });
      const found = blocking(await auditPage(reader));
      expect(`${width} px:\n${describeViolations(found)}`).toBe(`${width} px:\n`);
    }

    // From the offer, in one step: the email, the emailed link, and back to the article, signed in.
    const email = newEmail();
    await offer.getByLabel('Email address').fill(email);
    await offer.getByRole('button', { name: 'Continue' }).click();
    await reader.getByRole('heading', { name: 'Check your email' }).waitFor();
    await reader.goto(`${h.baseUrl}${(await signinLinkTo(h.t.deps.config.dataDir, email)).path}`);
    await reader.getByRole('button', { name: 'Create my free account' }).click();
    await reader.waitForURL((url) => url.pathname === article);
    await reader.getByRole('heading', { level: 1, name: 'Article premium-one' }).waitFor();
    expect(await signedIn(reader)).toBe(true);
    // Back on the gift, now as an account (one more of the link's readers): the article is still whole.
    expect(new URL(reader.url()).searchParams.has('gift')).toBe(true);
    await reader.getByText('ZEBRAMARK6X').waitFor();

    // The giver's account lists the link, read by that one reader.
    await giver.goto(`${h.baseUrl}/account`);
    const row = giver.getByRole('table', { name: 'Your gift links' }).getByRole('row').filter({ hasText: 'Article premium-one' });
    expect(await row.count()).toBe(1);
    // The anonymous reader, then the account they made: two readers of the link.
    expect(await row.getByRole('cell').nth(3).innerText()).toContain('2 of 100');
    expect(await row.getByRole('cell').nth(4).innerText()).toContain('Active');
  });
});
