import { startTestApp } from '../support/test-app';
import { describeWithBrowser } from '../support/services';
import { screenshot, startBrowserHarness, type BrowserHarness } from '../support/browser';
import { FakeStripe } from '../support/fake-stripe';
import { newEmail } from '../support/http';

describeWithBrowser('subscribing in a real browser', () => {
  let stripe: FakeStripe;
  let h: BrowserHarness;
  beforeAll(async () => {
    stripe = new FakeStripe();
    await stripe.start();
    const t = await startTestApp('embedded', { env: { ...stripe.appEnv() } });
    await t.deps.billing.plans.replace([{ priceId: 'price_monthly', name: 'Monthly', description: 'Every article, billed monthly' }]);
    h = await startBrowserHarness(t);
  });
  afterAll(async () => {
    await h?.close();
    await stripe?.stop();
  });

  it('when a reader goes from the paywall to a plan, then they sign up, come back to the plan, and one click lands them on Stripe Checkout', async () => {
    const context = await h.browser.newContext();
    const page = await context.newPage();
    const violations: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') violations.push(m.text());
    });
    const wall = await page.goto(`${h.baseUrl}/articles/care-home-contracts`);
    expect(wall?.headers()['x-access-decision']).toBe('paywall');
    await page.getByRole('heading', { name: 'Subscribe to keep reading' }).waitFor();
    await screenshot(page, 'paywall');
    await page.getByRole('button', { name: 'Subscribe: Monthly' }).click();
    await page.waitForURL('**/signup?returnTo=*');
    await page.getByLabel('Email address').fill(newEmail());
    await page.getByLabel('Password').fill('lantern harbour tide');
    await page.getByRole('button', { name: 'Create a free account' }).click();
    // Back on the plans page with the plan chosen: nothing was asked of Stripe by a GET.
    await page.waitForURL('**/subscribe?priceId=price_monthly*');
    await page.getByText('Your choice').waitFor();
    expect(stripe.requests.filter((r) => r.path === '/v1/checkout/sessions')).toEqual([]);
    await screenshot(page, 'plan-chosen');
    await page.getByRole('button', { name: 'Subscribe: Monthly' }).click();
    await page.waitForURL(`${stripe.url}/c/pay/cs_test_*`);
    await page.getByRole('heading', { name: 'Stripe test page' }).waitFor();
    expect(violations.filter((v) => v.includes('Content Security Policy'))).toEqual([]);

    // Signed in now: back on the paywall, the plan is a form that posts and redirects to Checkout.
    await page.goto(`${h.baseUrl}/articles/care-home-contracts`);
    await page.getByRole('button', { name: 'Subscribe: Monthly' }).click();
    await page.waitForURL(`${stripe.url}/c/pay/cs_test_*`);
    expect(violations.filter((v) => v.includes('Content Security Policy'))).toEqual([]);
    await context.close();
  });
});
