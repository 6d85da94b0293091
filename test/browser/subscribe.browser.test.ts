import type { Browser } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/test-app';
import { describeWithBrowser } from '../support/services';
import { launchChromium, listen } from '../support/browser';
import { FakeStripe } from '../support/fake-stripe';
import { newEmail } from '../support/http';

describeWithBrowser('subscribing in a real browser', () => {
  let stripe: FakeStripe;
  let t: TestApp;
  let server: { baseUrl: string; close: () => Promise<void> };
  let browser: Browser;

  beforeAll(async () => {
    stripe = new FakeStripe();
    await stripe.start();
    t = await startTestApp('embedded', { env: { STRIPE_SECRET_KEY: stripe.secretKey, STRIPE_WEBHOOK_SECRET: stripe.webhookSecret, STRIPE_API_URL: stripe.url } });
    await t.deps.plans.replace([{ priceId: 'price_monthly', name: 'Monthly', description: 'Every article, billed monthly' }]);
    server = await listen(t.app);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await t?.close();
    await stripe?.stop();
  });

  it('when a reader goes from the paywall to a plan, then they sign up and land on Stripe Checkout', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const violations: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') violations.push(m.text());
    });
    const wall = await page.goto(`${server.baseUrl}/articles/care-home-contracts`);
    expect(wall?.headers()['x-access-decision']).toBe('paywall');
    await page.getByRole('heading', { name: 'Subscribe to keep reading' }).waitFor();
    await page.getByRole('link', { name: 'Subscribe: Monthly' }).click();
    await page.waitForURL('**/signup?returnTo=*');
    await page.getByLabel('Email address').fill(newEmail());
    await page.getByLabel('Password').fill('lantern harbour tide');
    await page.getByRole('button', { name: 'Create a free account' }).click();
    await page.waitForURL(`${stripe.url}/c/pay/cs_test_*`);
    await page.getByRole('heading', { name: 'Stripe test page' }).waitFor();
    expect(violations.filter((v) => v.includes('Content Security Policy'))).toEqual([]);

    // Signed in now: back on the paywall, the plan is a form that posts and redirects to Checkout.
    await page.goto(`${server.baseUrl}/articles/care-home-contracts`);
    await page.getByRole('button', { name: 'Subscribe: Monthly' }).click();
    await page.waitForURL(`${stripe.url}/c/pay/cs_test_*`);
    expect(violations.filter((v) => v.includes('Content Security Policy'))).toEqual([]);
    await context.close();
  });
});
