import { startTestApp } from '../support/test-app';
import { describeWithBrowser } from '../support/services';
import { startBrowserHarness, type BrowserHarness } from '../support/browser';
import { signUp } from '../support/http';
import { resetLinkIn, resetMailTo } from '../support/outbox';

describeWithBrowser('password reset in a real browser', () => {
  let h: BrowserHarness;
  beforeAll(async () => {
    h = await startBrowserHarness(await startTestApp('embedded'));
  });
  afterAll(() => h?.close());

  it('when a reader forgets their password, then the mailed link lets them choose a new one and sign in', async () => {
    const { email } = await signUp(h.t.app);
    const page = await (await h.browser.newContext()).newPage();
    await page.goto(`${h.baseUrl}/signin`);
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.getByLabel('Email address').fill(email);
    await page.getByRole('button', { name: 'Send the link' }).click();
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();

    const link = resetLinkIn(await resetMailTo(h.t.deps.config.dataDir, email));
    await page.goto(`${h.baseUrl}${link.pathname}`);
    await page.getByLabel('New password').fill('a lighthouse at dawn');
    await page.getByRole('button', { name: 'Save the new password' }).click();
    await page.waitForURL('**/signin?reset=1');
    await page.getByText('Your password has been changed.').waitFor();
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password').fill('a lighthouse at dawn');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('link', { name: 'Your account' }).waitFor();
    await page.context().close();
  });
});
