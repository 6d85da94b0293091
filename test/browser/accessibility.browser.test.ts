import request from 'supertest';
import type { BrowserContext, Page } from 'playwright-core';
import { startTestApp } from '../support/test-app';
import { describeWithBrowser } from '../support/services';
import { startBrowserHarness, type BrowserHarness } from '../support/browser';
import { FakeStripe } from '../support/fake-stripe';
import { newEmail, sessionCookieOf, signUp } from '../support/http';
import { auditPage, blocking, describeViolations } from '../support/axe';
import { contrastRatio, focusRingOf } from '../support/focus-ring';
import { defaultMeterSettings } from '../../src/meter/meter-settings';

const widths = [
  { name: 'desktop', viewport: { width: 1280, height: 800 } },
  { name: 'mobile', viewport: { width: 375, height: 740 } },
];

describeWithBrowser('accessibility of every reader-facing page in a real browser (axe-core, WCAG 2.2 AA)', () => {
  let stripe: FakeStripe;
  let h: BrowserHarness;
  let apiKey: string;
  let policyVersion = 0;

  beforeAll(async () => {
    stripe = new FakeStripe();
    await stripe.start();
    const t = await startTestApp('embedded', {
      env: { STRIPE_SECRET_KEY: stripe.secretKey, STRIPE_WEBHOOK_SECRET: stripe.webhookSecret, STRIPE_API_URL: stripe.url },
      // One wrong password and the next try is throttled: the 429 page in two posts.
      throttleLimits: { perAccountAndAddress: 1, signupsPerAddress: 1000 },
    });
    await t.deps.billing.plans.replace([{ priceId: 'price_monthly', name: 'Monthly', description: 'Every article, billed monthly' }]);
    apiKey = (await t.deps.admin.apiKeys.create('accessibility tests')).key;
    // One article each, so that the second meets the wall; every browser context is a new reader.
    await request(t.app)
      .put('/admin/api/meter')
      .set('Authorization', `Bearer ${apiKey}`)
      .send({ ...defaultMeterSettings, anonymousLimit: 1, registeredLimit: 1, newReadersPerNetwork: 0 })
      .expect(200);
    h = await startBrowserHarness(t);
  });
  afterAll(async () => {
    await h?.close();
    await stripe?.stop();
  });

  /** A new reader, signed up over HTTP; the browser context carries their session. */
  async function signedIn(context: BrowserContext, options: { admin?: boolean } = {}) {
    const reader = await signUp(h.t.app);
    if (options.admin) await h.t.deps.auth.accountsRepository.setAdmin(reader.email, true);
    const cookie = sessionCookieOf(reader.response)!;
    const at = cookie.indexOf('=');
    await context.addCookies([{ name: cookie.slice(0, at), value: cookie.slice(at + 1), url: h.baseUrl }]);
    return reader;
  }

  async function open(page: Page, path: string, decision?: string) {
    const response = await page.goto(`${h.baseUrl}${path}`);
    if (decision !== undefined) expect(response?.headers()['x-access-decision']).toBe(decision);
    return response;
  }

  const pages: { name: string; visit: (page: Page, context: BrowserContext) => Promise<unknown> }[] = [
    { name: 'the front page', visit: (page) => open(page, '/') },
    { name: 'a section page', visit: (page) => open(page, '/sections/news') },
    { name: 'a free article', visit: (page) => open(page, '/articles/library-late-fees', 'free') },
    {
      name: 'a metered article with its notice',
      visit: async (page) => {
        await open(page, '/articles/harbour-bridge-reopens', 'metered');
        await page.getByText('This is your last free article this month.').waitFor();
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
        await signedIn(context);
        await open(page, '/articles/harbour-bridge-reopens', 'metered');
        await open(page, '/articles/flood-defences-budget', 'paywall');
        await page.getByRole('button', { name: 'Subscribe: Monthly' }).waitFor();
      },
    },
    {
      name: 'the gate\'s email step with an error',
      visit: async (page) => {
        await open(page, '/articles/harbour-bridge-reopens', 'metered');
        await open(page, '/articles/flood-defences-budget', 'registration-wall');
        await page.locator('.gate').getByLabel('Email address').fill('not an email');
        await page.locator('.gate').getByRole('button', { name: 'Continue' }).click();
        await page.getByRole('heading', { name: 'Sign in or Create a free account' }).waitFor();
        // The error summary takes the focus, so a screen reader announces it first.
        expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { className: string } } }).document.activeElement.className)).toContain('error-summary');
      },
    },
    {
      name: 'the password step after the gate\'s email',
      visit: async (page) => {
        const { email } = await signUp(h.t.app);
        await open(page, '/articles/harbour-bridge-reopens', 'metered');
        await open(page, '/articles/flood-defences-budget', 'registration-wall');
        await page.locator('.gate').getByLabel('Email address').fill(email);
        await page.locator('.gate').getByRole('button', { name: 'Continue' }).click();
        await page.getByRole('heading', { name: 'Welcome back' }).waitFor();
      },
    },
    { name: 'sign-in', visit: (page) => open(page, '/signin') },
    { name: 'sign-up', visit: (page) => open(page, '/signup') },
    {
      name: 'sign-up with errors',
      visit: async (page) => {
        await open(page, '/signup');
        await page.getByLabel('Email address').fill('not an email');
        await page.getByLabel('Password').fill('short');
        await page.getByRole('button', { name: 'Create a free account' }).click();
        await page.locator('.field__error').first().waitFor();
      },
    },
    {
      name: 'sign-in throttled (429)',
      visit: async (page) => {
        const email = newEmail();
        await open(page, '/signin');
        for (let attempt = 0; attempt < 2; attempt += 1) {
          await page.getByLabel('Email address').fill(email);
          await page.getByLabel('Password').fill('not the password');
          const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: 'Sign in', exact: true }).click()]);
          expect(response.status()).toBe(attempt === 0 ? 401 : 429);
          await page.waitForLoadState();
        }
        await page.getByText('Too many failed attempts.').waitFor();
      },
    },
    { name: 'the emailed sign-in link form', visit: (page) => open(page, '/signin/email') },
    {
      name: 'the "check your email" page',
      visit: async (page) => {
        await open(page, '/signin/email');
        await page.getByLabel('Email address').fill(newEmail());
        await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
        await page.getByRole('heading', { name: 'Check your email' }).waitFor();
      },
    },
    { name: 'password forgot', visit: (page) => open(page, '/password/forgot') },
    {
      name: 'the account page',
      visit: async (page, context) => {
        await signedIn(context);
        await open(page, '/account');
      },
    },
    {
      name: 'the account deletion page',
      visit: async (page, context) => {
        await signedIn(context);
        await open(page, '/account/delete');
      },
    },
    { name: 'the Terms of Use', visit: (page) => open(page, '/terms') },
    { name: 'the Privacy Policy', visit: (page) => open(page, '/privacy') },
    { name: 'the plans page', visit: (page) => open(page, '/subscribe') },
    { name: 'the plans page with a plan chosen', visit: (page) => open(page, '/subscribe?priceId=price_monthly') },
    {
      name: 'the re-acceptance interstitial',
      visit: async (page, context) => {
        await signedIn(context);
        policyVersion += 1;
        await request(h.t.app)
          .post('/admin/api/policies')
          .set('Authorization', `Bearer ${apiKey}`)
          .send({ document: 'terms', version: `a11y-${policyVersion}`, body: 'The terms, revised.' })
          .expect(201);
        await open(page, '/');
        await page.getByRole('button', { name: /Accept and continue/ }).waitFor();
      },
    },
    {
      name: 'the admin console',
      visit: async (page, context) => {
        await signedIn(context, { admin: true });
        await open(page, '/admin');
        await page.getByRole('button', { name: 'Save meter settings' }).waitFor();
      },
    },
  ];

  for (const { name: width, viewport } of widths) {
    for (const { name, visit } of pages) {
      it(`when ${name} is audited at ${width} width, then axe finds no serious or critical violation`, async () => {
        const context = await h.browser.newContext({ viewport });
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

  it('when a page under the CSP gains an image without alt text and a nameless button, then the audit reports both as critical', async () => {
    const context = await h.browser.newContext();
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

  it('when contrast ratios are computed, then they are WCAG\'s: 21:1 for black on white, under 3:1 for the old amber ring on the paper', () => {
    expect(contrastRatio('rgb(0, 0, 0)', 'rgb(255, 255, 255)')).toBeCloseTo(21, 5);
    expect(contrastRatio('rgb(255, 191, 71)', 'rgb(253, 252, 249)')).toBeLessThan(3);
    expect(contrastRatio('rgb(180, 83, 9)', 'rgb(253, 252, 249)')).toBeCloseTo(4.9, 1);
  });

  for (const kind of ['link', 'button'] as const) {
    it(`when a ${kind} is focused with Tab, then its focus ring has at least 3:1 contrast against the page background`, async () => {
      const context = await h.browser.newContext({ viewport: widths[0]!.viewport });
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
