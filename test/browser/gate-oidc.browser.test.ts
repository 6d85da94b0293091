import type { Page } from 'playwright-core';
import { startTestApp } from '../support/test-app';
import { describeWithBrowser } from '../support/services';
import { freePort, screenshot, startBrowserHarness, type BrowserHarness } from '../support/browser';
import { auditPage, blocking, describeViolations } from '../support/axe';
import { makeFixtureContent, marker } from '../support/fixture-content';
import { meterSettingsOf } from '../support/meter-settings';
import { startOpenIdProvider, type RunningProvider } from '../support/oidc-provider';
import { clientId, clientSecret, newUser } from '../support/oidc-provider/harness';

/**
 * Issue 15's promise in Chromium: a reader on the wall becomes a registered reader through
 * "Continue with <provider>" without leaving the article, the consent recorded. The provider
 * is a real oidc-provider in its own process; the test queues who logs in there, so the
 * browser goes to it and is sent straight back, as after a real provider's login.
 */
describeWithBrowser('the gate with an identity provider in a real browser', () => {
  let op: RunningProvider | undefined;
  let h: BrowserHarness | undefined;
  let base: string;
  beforeAll(async () => {
    // The app must know its own address (PUBLIC_URL, the redirect URI) before it listens.
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    op = await startOpenIdProvider({ clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: [`${base}/signin/oidc/testid/callback`] }] });
    const t = await startTestApp('embedded', {
      env: {
        CONTENT_DIR: makeFixtureContent(),
        PUBLIC_URL: base,
        OIDC_PROVIDERS: 'testid',
        OIDC_TESTID_ISSUER: op.issuer,
        OIDC_TESTID_CLIENT_ID: clientId,
        OIDC_TESTID_CLIENT_SECRET: clientSecret,
        OIDC_TESTID_LABEL: 'Test ID',
        OIDC_TESTID_TRUST_EMAIL: 'true',
      },
    });
    h = await startBrowserHarness(t, port);
    // No free articles for readers without an account: the wall on the first.
    const { key } = await t.deps.admin.apiKeys.create('gate oidc browser test');
    await meterSettingsOf(() => t, () => key)({ anonymousLimit: 0 });
  }, 60_000);
  afterAll(async () => {
    try {
      await h?.close();
    } finally {
      await op?.stop();
    }
  });

  async function expectNoBlockingViolations(page: Page): Promise<void> {
    expect(describeViolations(blocking(await auditPage(page)))).toBe('');
  }

  it('when a new reader on the wall continues with the provider and confirms, then they are back on the article, whole and signed in, with consents recorded as signup-oidc', async () => {
    const context = await h!.browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const page = await context.newPage();
      const article = `${base}/articles/marked`;
      const wall = await page.goto(article);
      expect(wall?.headers()['x-access-decision']).toBe('registration-wall');

      // The one panel: email, "or", the provider, and the consent line with its links.
      const gate = page.locator('.gate');
      await gate.getByRole('heading', { name: 'Sign in or Create a free account' }).waitFor();
      await gate.getByLabel('Email address').waitFor();
      expect(await gate.locator('.sign-in-panel__or').innerText()).toBe('or');
      const provider = gate.getByRole('link', { name: 'Continue with Test ID' });
      await provider.waitFor();
      const consent = gate.locator('.consent');
      expect(await consent.innerText()).toBe('By continuing you agree to our Privacy Policy and Terms of Use.');
      expect(await consent.getByRole('link', { name: 'Privacy Policy' }).getAttribute('href')).toBe('/privacy');
      expect(await consent.getByRole('link', { name: 'Terms of Use' }).getAttribute('href')).toBe('/terms');
      expect(await page.getByText(marker(6)).count()).toBe(0);

      await expectNoBlockingViolations(page);
      await screenshot(page, 'gate-panel');
      await page.setViewportSize({ width: 375, height: 740 });
      await expectNoBlockingViolations(page);
      await page.setViewportSize({ width: 1280, height: 800 });

      // To the real provider and back: its interaction takes the user queued here.
      const user = newUser(true);
      await op!.nextLogin(user);
      const providerVisit = page.waitForRequest((r) => r.url().startsWith(`${op!.issuer}/`) && r.isNavigationRequest());
      await provider.click();
      await providerVisit;
      await page.waitForURL(`${base}/signin/oidc/confirm`);
      await page.getByRole('heading', { name: 'Create your free account' }).waitFor();
      await page.getByText(user.email).waitFor();
      const confirmConsent = page.locator('form .consent');
      expect(await confirmConsent.innerText()).toBe('By continuing you agree to our Privacy Policy and Terms of Use.');
      expect(await confirmConsent.getByRole('link', { name: 'Privacy Policy' }).getAttribute('href')).toBe('/privacy');
      expect(await confirmConsent.getByRole('link', { name: 'Terms of Use' }).getAttribute('href')).toBe('/terms');
      await expectNoBlockingViolations(page);

      await page.getByRole('button', { name: 'Create my free account' }).click();
      await page.waitForURL(`${article}#continue-reading`);
      await page.getByText(marker(6)).waitFor();
      expect(await page.locator('.gate').count()).toBe(0);
      await page.getByRole('button', { name: 'Sign out' }).waitFor();

      const me = await page.evaluate(async () => {
        const response = await fetch('/api/me', { credentials: 'same-origin' });
        return { status: response.status, body: (await response.json()) as { signedIn: boolean; email: string | null } };
      });
      expect(me).toMatchObject({ status: 200, body: { signedIn: true, email: user.email } });

      const account = await h!.t.deps.auth.accountsRepository.findByEmail(user.email);
      expect(account).toBeDefined();
      const consents = await h!.t.deps.consent.service.consentsOf(account!.id);
      expect(consents.map((c) => [c.document, c.method]).sort()).toEqual([
        ['privacy', 'signup-oidc'],
        ['terms', 'signup-oidc'],
      ]);
    } finally {
      await context.close();
    }
  });
});
