import type { BrowserContext, CDPSession, Page } from 'playwright-core';
import { startTestApp } from '../support/test-app';
import { describeWithBrowser } from '../support/services';
import { freePort, screenshot, startBrowserHarness, type BrowserHarness } from '../support/browser';
import { auditPage, blocking, describeViolations } from '../support/axe';
import { goodPassword, newEmail } from '../support/http';
import { meterSettingsOf } from '../support/meter-settings';

/**
 * Passkeys in Chromium with its virtual authenticator (the DevTools WebAuthn domain). The
 * relying party is PUBLIC_URL's host, so the app is told it lives at http://localhost:<port>
 * and the browser opens exactly that.
 */
describeWithBrowser('passkeys in a real browser', () => {
  let h: BrowserHarness;
  let origin: string;
  beforeAll(async () => {
    const port = await freePort();
    origin = `http://localhost:${port}`;
    h = await startBrowserHarness(await startTestApp('embedded', { env: { PUBLIC_URL: origin } }), port);
  });
  afterAll(() => h?.close());

  async function withAuthenticator(context: BrowserContext, page: Page): Promise<{ cdp: CDPSession; authenticatorId: string }> {
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
    return { cdp, authenticatorId };
  }

  function cspErrors(page: Page): string[] {
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' && message.text().includes('Content Security Policy')) errors.push(message.text());
    });
    return errors;
  }

  it('when a reader adds a passkey on /account, signs out and signs in with it, then removes it, then it works throughout and the page has no serious accessibility fault', async () => {
    const context = await h.browser.newContext({ viewport: { width: 1100, height: 800 } });
    const page = await context.newPage();
    const csp = cspErrors(page);
    const { cdp, authenticatorId } = await withAuthenticator(context, page);

    const email = newEmail();
    await page.goto(`${origin}/signup?returnTo=%2Faccount`);
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password').fill(goodPassword);
    await page.getByRole('button', { name: 'Create a free account' }).click();
    await page.waitForURL(`${origin}/account`);

    await page.getByText('You have no passkeys yet.').waitFor();
    await page.getByLabel('Name for the new passkey (optional)').fill('Test laptop');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByRole('cell', { name: 'Test laptop', exact: true }).waitFor();
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]).toMatchObject({ isResidentCredential: true, rpId: 'localhost' });
    expect(await page.getByRole('row', { name: /Test laptop/ }).getByRole('cell').nth(2).textContent()).toBe('Not yet');
    // The authenticator holds this account's passkey already: the browser refuses, and the
    // script says so in the catalog's words it was given (data-text-*), not in its own.
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByRole('alert').filter({ hasText: 'This device already holds a passkey for your account.' }).waitFor();
    expect((await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials).toHaveLength(1);

    const violations = blocking(await auditPage(page));
    expect(describeViolations(violations)).toBe('');
    await screenshot(page, 'account-passkeys');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('link', { name: 'Sign in' }).waitFor();
    await page.goto(`${origin}/signin?returnTo=%2Faccount%23passkeys`);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.waitForURL(`${origin}/account#passkeys`);
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    expect(await page.getByRole('row', { name: /Test laptop/ }).getByRole('cell').nth(2).textContent()).not.toBe('Not yet');
    const afterUse = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(afterUse.credentials[0]!.signCount).toBeGreaterThan(credentials[0]!.signCount);

    await page.getByRole('button', { name: 'Remove Test laptop' }).click();
    await page.getByText('You have no passkeys yet.').waitFor();

    // The authenticator still holds the passkey the site no longer knows: the answer is refused, and said so.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('link', { name: 'Sign in' }).waitFor();
    await page.goto(`${origin}/signin`);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.getByRole('alert').filter({ hasText: 'This passkey is not known here' }).waitFor();
    expect(page.url()).toBe(`${origin}/signin`);

    expect(csp).toEqual([]);
    await context.close();
  });

  it('when a reader signs in with a passkey from the gate, then they are back on the article, past the gate', async () => {
    const context = await h.browser.newContext();
    const page = await context.newPage();
    await withAuthenticator(context, page);
    await page.goto(`${origin}/signup?returnTo=%2Faccount`);
    await page.getByLabel('Email address').fill(newEmail());
    await page.getByLabel('Password').fill(goodPassword);
    await page.getByRole('button', { name: 'Create a free account' }).click();
    await page.waitForURL(`${origin}/account`);
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByRole('cell', { name: /^Passkey added / }).first().waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('link', { name: 'Sign in' }).waitFor();

    // No free articles for readers without an account: the wall on the first.
    const { key } = await h.t.deps.admin.apiKeys.create('passkeys browser test');
    await meterSettingsOf(() => h.t, () => key)({ anonymousLimit: 0 });
    await page.goto(`${origin}/articles/flood-defences-budget`);
    const gate = page.locator('.gate');
    await gate.getByRole('heading', { name: 'Sign in or Create a free account' }).waitFor();
    await gate.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.waitForURL(`${origin}/articles/flood-defences-budget#continue-reading`);
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    expect(await page.locator('.gate').count()).toBe(0);
    await context.close();
  });

  it('when the browser runs no JavaScript, then no passkey control shows and the other ways in remain', async () => {
    const context = await h.browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${origin}/signin`);
    await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
    expect(await page.getByRole('button', { name: 'Sign in with a passkey' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Email me a sign-in link' }).count()).toBeGreaterThan(0);

    await page.goto(`${origin}/signup?returnTo=%2Faccount`);
    await page.getByLabel('Email address').fill(newEmail());
    await page.getByLabel('Password').fill(goodPassword);
    await page.getByRole('button', { name: 'Create a free account' }).click();
    await page.waitForURL(`${origin}/account`);
    await page.getByText('Adding or using a passkey needs JavaScript in your browser').waitFor();
    expect(await page.getByRole('button', { name: 'Add a passkey' }).count()).toBe(0);
    await context.close();
  });
});
