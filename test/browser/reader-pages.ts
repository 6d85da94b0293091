import request from 'supertest';
import type { BrowserContext, Page } from 'playwright-core';
import { startTestApp } from '../support/test-app';
import { startBrowserHarness, type BrowserHarness } from '../support/browser';
import { FakeStripe } from '../support/fake-stripe';
import { newEmail, sessionCookieOf, signUp } from '../support/http';
import { resetLinkIn, resetMailTo } from '../support/outbox';
import { mailMatching } from '../support/email-links';
import { auditPage, blocking, describeViolations } from '../support/axe';
import { defaultMeterSettings } from '../../src/meter/meter-settings';
import type { Messages } from '../../src/http/i18n';

/** The widths every page is audited at. */
export const widths = [
  { name: 'desktop', viewport: { width: 1280, height: 800 } },
  { name: 'mobile', viewport: { width: 375, height: 740 } },
];

/** The app with a plan and a meter of one article each (the second meets the wall), in a browser. */
export interface AuditedSite {
  readonly h: BrowserHarness;
  readonly stripe: FakeStripe;
  readonly apiKey: string;
  /** A new reader, signed up over HTTP; the browser context carries their session. */
  signedIn(context: BrowserContext, options?: { admin?: boolean }): Promise<{ email: string }>;
  /** Opens a path; with `decision`, checks the gate's answer. */
  open(page: Page, path: string, decision?: string): Promise<unknown>;
  close(): Promise<void>;
}

export async function startAuditedSite(env: Record<string, string> = {}): Promise<AuditedSite> {
  const stripe = new FakeStripe();
  await stripe.start();
  const t = await startTestApp('embedded', {
    env: { ...stripe.appEnv(), ...env },
    // One wrong password and the next try is throttled: the 429 page in two posts.
    throttleLimits: { perAccountAndAddress: 1, signupsPerAddress: 1000 },
  });
  await t.deps.billing.plans.replace([{ priceId: 'price_monthly', name: 'Monthly', description: 'Every article, billed monthly' }]);
  const apiKey = (await t.deps.admin.apiKeys.create('accessibility tests')).key;
  // One article each, so that the second meets the wall; every browser context is a new reader.
  await request(t.app)
    .put('/admin/api/meter')
    .set('Authorization', `Bearer ${apiKey}`)
    .send({ ...defaultMeterSettings, anonymousLimit: 1, registeredLimit: 1, newReadersPerNetwork: 0 })
    .expect(200);
  const h = await startBrowserHarness(t);
  return {
    h,
    stripe,
    apiKey,
    async signedIn(context, options = {}) {
      const reader = await signUp(h.t.app);
      if (options.admin) await h.t.deps.auth.accountsRepository.setAdmin(reader.email, true);
      const cookie = sessionCookieOf(reader.response)!;
      const at = cookie.indexOf('=');
      await context.addCookies([{ name: cookie.slice(0, at), value: cookie.slice(at + 1), url: h.baseUrl }]);
      return reader;
    },
    async open(page, path, decision) {
      const response = await page.goto(`${h.baseUrl}${path}`);
      if (decision !== undefined) expect(response?.headers()['x-access-decision']).toBe(decision);
      return response;
    },
    async close() {
      await h.close();
      await stripe.stop();
    },
  };
}

export interface AuditedPage {
  readonly name: string;
  visit(page: Page, context: BrowserContext): Promise<unknown>;
}

/**
 * Every page a reader meets, reached as a reader would, in the site's language: the labels
 * and buttons looked for are the catalog's (`messages`), so one list serves every locale.
 */
export function readerPages(site: () => AuditedSite, messages: Messages): AuditedPage[] {
  const { t } = messages;
  const open = (page: Page, path: string, decision?: string) => site().open(page, path, decision);
  let policyVersion = 0;
  return [
    { name: 'the front page', visit: (page) => open(page, '/') },
    { name: 'a section page', visit: (page) => open(page, '/sections/news') },
    { name: 'a free article', visit: (page) => open(page, '/articles/library-late-fees', 'free') },
    {
      name: 'a metered article with its notice',
      visit: async (page) => {
        await open(page, '/articles/harbour-bridge-reopens', 'metered');
        await page.getByText(t('meter.lastThisMonth')).waitFor();
      },
    },
    {
      name: 'the registration wall',
      visit: async (page) => {
        await open(page, '/articles/harbour-bridge-reopens', 'metered');
        await open(page, '/articles/flood-defences-budget', 'registration-wall');
      },
    },
    {
      name: 'the paywall for a signed-in reader past the allowance',
      visit: async (page, context) => {
        await site().signedIn(context);
        await open(page, '/articles/harbour-bridge-reopens', 'metered');
        await open(page, '/articles/flood-defences-budget', 'paywall');
        await page.getByRole('button', { name: t('plans.subscribeTo', { plan: 'Monthly' }) }).waitFor();
      },
    },
    {
      name: 'the gate\'s email step with an error',
      visit: async (page) => {
        await open(page, '/articles/harbour-bridge-reopens', 'metered');
        await open(page, '/articles/flood-defences-budget', 'registration-wall');
        await page.locator('.gate').getByLabel(t('common.emailLabel')).fill('not an email');
        // The gate's heading is the answer's too: wait for the answer, not for a heading.
        const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.locator('.gate').getByRole('button', { name: t('common.continue') }).click()]);
        expect(response.status()).toBe(400);
        await page.getByRole('heading', { level: 1, name: t('continue.title') }).waitFor();
        // The error summary takes the focus, so a screen reader announces it first (autofocus: once the page is shown).
        await page.waitForFunction(() => String((globalThis as unknown as { document: { activeElement: { className?: string } | null } }).document.activeElement?.className ?? '').includes('error-summary'));
      },
    },
    {
      name: 'the password step after the gate\'s email',
      visit: async (page) => {
        const { email } = await signUp(site().h.t.app);
        await open(page, '/articles/harbour-bridge-reopens', 'metered');
        await open(page, '/articles/flood-defences-budget', 'registration-wall');
        await page.locator('.gate').getByLabel(t('common.emailLabel')).fill(email);
        await page.locator('.gate').getByRole('button', { name: t('common.continue') }).click();
        await page.getByRole('heading', { name: t('signin.welcomeBack') }).waitFor();
      },
    },
    { name: 'sign-in', visit: (page) => open(page, '/signin') },
    { name: 'sign-up', visit: (page) => open(page, '/signup') },
    {
      name: 'sign-up with the newsletter box ticked',
      visit: async (page) => {
        await open(page, '/signup');
        // Found by its label: the box is named by it for assistive technology.
        const box = page.getByRole('checkbox', { name: t('newsletter.box') });
        expect(await box.isChecked()).toBe(false);
        await box.check();
      },
    },
    {
      name: 'the emailed sign-up link\'s confirm page with the newsletter box',
      visit: async (page) => {
        const email = newEmail();
        await open(page, '/signin/email');
        await page.getByLabel(t('common.emailLabel')).fill(email);
        await page.getByRole('button', { name: t('common.emailMeLink') }).click();
        await page.getByRole('heading', { name: t('common.checkEmail') }).waitFor();
        // The link only (the mail's words are the site's language).
        const link = /\/signin\/email\/[A-Za-z0-9_-]{43}/;
        await open(page, link.exec(await mailMatching(site().h.t.deps.config.dataDir, email, link))![0]);
        await page.getByRole('checkbox', { name: t('newsletter.box') }).check();
      },
    },
    {
      name: 'sign-up with errors',
      visit: async (page) => {
        await open(page, '/signup');
        await page.getByLabel(t('common.emailLabel')).fill('not an email');
        await page.getByLabel(t('common.passwordLabel')).fill('short');
        await page.getByRole('button', { name: t('common.createFreeAccount') }).click();
        await page.locator('.field__error').first().waitFor();
        await summaryFocused(page);
      },
    },
    {
      name: 'sign-in with a wrong password',
      visit: async (page) => {
        await open(page, '/signin');
        await page.getByLabel(t('common.emailLabel')).fill(newEmail());
        await page.getByLabel(t('common.passwordLabel')).fill('not the password');
        await submit(page, page.getByRole('button', { name: t('common.signIn'), exact: true }), 401);
        await summaryFocused(page);
      },
    },
    {
      name: 'the signed-out notice',
      visit: async (page, context) => {
        await site().signedIn(context);
        await open(page, '/account');
        await page.getByRole('button', { name: t('common.signOut') }).click();
        await page.getByRole('status').filter({ hasText: t('common.signedOut') }).waitFor();
      },
    },
    {
      name: 'sign-in throttled (429)',
      visit: async (page) => {
        const email = newEmail();
        await open(page, '/signin');
        for (let attempt = 0; attempt < 2; attempt += 1) {
          await page.getByLabel(t('common.emailLabel')).fill(email);
          await page.getByLabel(t('common.passwordLabel')).fill('not the password');
          const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: t('common.signIn'), exact: true }).click()]);
          expect(response.status()).toBe(attempt === 0 ? 401 : 429);
          await page.waitForLoadState();
        }
        // The message's first sentence ("Too many failed attempts."): the wait in it varies.
        await page.getByText(`${t('signin.errorThrottled', { wait: '' }).split('.')[0]!}.`).waitFor();
      },
    },
    { name: 'the emailed sign-in link form', visit: (page) => open(page, '/signin/email') },
    {
      name: 'the emailed sign-in link form with an error',
      visit: async (page) => {
        await open(page, '/signin/email');
        await page.getByLabel(t('common.emailLabel')).fill('not an email');
        await submit(page, page.getByRole('button', { name: t('common.emailMeLink') }), 400);
        await summaryFocused(page);
      },
    },
    {
      name: 'a wrong code from the mail',
      visit: async (page) => {
        await open(page, '/signin/email');
        await page.getByLabel(t('common.emailLabel')).fill(newEmail());
        await page.getByRole('button', { name: t('common.emailMeLink') }).click();
        await page.getByLabel(t('signinEmail.codeLabel')).fill('12');
        await submit(page, page.getByRole('button', { name: t('common.continue') }), 400);
        await summaryFocused(page);
      },
    },
    {
      name: 'the "check your email" page',
      visit: async (page) => {
        await open(page, '/signin/email');
        await page.getByLabel(t('common.emailLabel')).fill(newEmail());
        await page.getByRole('button', { name: t('common.emailMeLink') }).click();
        await page.getByRole('heading', { name: t('common.checkEmail') }).waitFor();
      },
    },
    { name: 'password forgot', visit: (page) => open(page, '/password/forgot') },
    {
      name: 'password forgot with an error',
      visit: async (page) => {
        await open(page, '/password/forgot');
        await submit(page, page.getByRole('button', { name: t('forgot.submit') }), 400);
        await summaryFocused(page);
      },
    },
    {
      name: 'the new password form, then its error',
      visit: async (page) => {
        const { email } = await signUp(site().h.t.app);
        await open(page, '/password/forgot');
        await page.getByLabel(t('common.emailLabel')).fill(email);
        await page.getByRole('button', { name: t('forgot.submit') }).click();
        await page.getByRole('heading', { name: t('common.checkEmail') }).waitFor();
        await open(page, resetLinkIn(await resetMailTo(site().h.t.deps.config.dataDir, email)).pathname);
        const found = blocking(await auditPage(page));
        if (found.length > 0) throw new Error(`the new password form:\n${describeViolations(found)}`);
        await page.getByLabel(t('common.newPassword')).fill('short');
        await submit(page, page.getByRole('button', { name: t('reset.submit') }), 400);
        await summaryFocused(page);
      },
    },
    {
      name: 'a spent reset link',
      visit: async (page) => {
        const response = (await open(page, `/password/reset/${'A'.repeat(43)}`)) as { status(): number } | null;
        expect(response?.status()).toBe(400);
        await page.getByRole('link', { name: t('reset.askAgain') }).waitFor();
      },
    },
    {
      name: 'the account page',
      visit: async (page, context) => {
        await site().signedIn(context);
        await open(page, '/account');
      },
    },
    {
      name: 'the account page\'s newsletter section after opting in',
      visit: async (page, context) => {
        await site().signedIn(context);
        await open(page, '/account');
        await page.getByRole('region', { name: t('newsletter.title') }).getByRole('button', { name: t('newsletter.box') }).click();
        await page.getByRole('region', { name: t('newsletter.title') }).getByRole('button', { name: t('newsletter.stop') }).waitFor();
      },
    },
    {
      name: 'the account page with a wrong current password',
      visit: async (page, context) => {
        await site().signedIn(context);
        await open(page, '/account');
        await page.getByLabel(t('account.currentPassword')).fill('not the password');
        await page.getByLabel(t('common.newPassword')).fill('a whole new harbour');
        await submit(page, page.getByRole('button', { name: t('account.changePasswordSubmit') }), 400);
        await summaryFocused(page);
      },
    },
    {
      name: 'the account deletion page',
      visit: async (page, context) => {
        await site().signedIn(context);
        await open(page, '/account/delete');
      },
    },
    {
      name: 'the account deletion page with a wrong password',
      visit: async (page, context) => {
        await site().signedIn(context);
        await open(page, '/account/delete');
        await page.getByLabel(t('common.yourPassword')).fill('not the password');
        await submit(page, page.getByRole('button', { name: t('accountDelete.submit') }), 400);
        await summaryFocused(page);
      },
    },
    { name: 'the Terms of Use', visit: (page) => open(page, '/terms') },
    { name: 'the Privacy Policy', visit: (page) => open(page, '/privacy') },
    { name: 'the plans page', visit: (page) => open(page, '/subscribe') },
    { name: 'the plans page with a plan chosen', visit: (page) => open(page, '/subscribe?priceId=price_monthly') },
    {
      name: 'the re-acceptance interstitial',
      visit: async (page, context) => {
        await site().signedIn(context);
        policyVersion += 1;
        await request(site().h.t.app)
          .post('/admin/api/policies')
          .set('Authorization', `Bearer ${site().apiKey}`)
          .send({ document: 'terms', version: `a11y-${messages.locale}-${policyVersion}`, body: 'The terms, revised.' })
          .expect(201);
        await open(page, '/');
        await page.getByRole('button', { name: t('reaccept.submit') }).waitFor();
      },
    },
  ];
}

/** Waits until the error summary has the focus (autofocus: once the page is shown). */
export async function summaryFocused(page: Page): Promise<void> {
  await page.locator('.error-summary').waitFor();
  await page.waitForFunction(() => String((globalThis as unknown as { document: { activeElement: { className?: string } | null } }).document.activeElement?.className ?? '').includes('error-summary'));
}

/** Submits the page's form that holds `button`, and waits for the answer (a 4xx page has the same heading). */
async function submit(page: Page, button: ReturnType<Page['getByRole']>, status: number): Promise<void> {
  const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), button.click()]);
  expect(response.status()).toBe(status);
  await page.waitForLoadState();
}

/** One `it` per page and width: axe-core finds no serious or critical violation. */
export function auditEach(site: () => AuditedSite, pages: readonly AuditedPage[], label = ''): void {
  for (const { name: width, viewport } of widths) {
    for (const { name, visit } of pages) {
      it(`when ${name}${label} is audited at ${width} width, then axe finds no serious or critical violation`, async () => {
        const context = await site().h.browser.newContext({ viewport });
        try {
          const page = await context.newPage();
          await visit(page, context);
          const found = blocking(await auditPage(page));
          if (found.length > 0) throw new Error(`${found.length} serious or critical axe violation(s) on ${name} (${page.url()}):\n${describeViolations(found)}`);
        } finally {
          await context.close();
        }
      });
    }
  }
}
