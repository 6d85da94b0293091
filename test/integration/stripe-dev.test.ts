import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../../src/cli/commands';
import { packageRoot } from '../../src/config/paths';
import type { Browser } from 'playwright-core';
import { freePort, launchChromium, listen, screenshot } from '../support/browser';
import { auditPage, blocking, describeViolations } from '../support/axe';
import { csrfTokenIn, sessionCookieOf, signUp, type Agent } from '../support/http';
import { describeWithBrowser } from '../support/services';
import { startTestApp, type TestApp } from '../support/test-app';

const cli = path.join(packageRoot, 'dist', 'src', 'cli', 'gatehouse.js');

/** Waits for a condition, up to a bound: never a fixed sleep that hopes. */
async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The settings the command printed, as an env. */
function settingsIn(lines: readonly string[]): Record<string, string> | undefined {
  const wanted = ['STRIPE_API_URL', 'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET'];
  const found = Object.fromEntries(lines.flatMap((l) => l.split('\n')).map((l) => /^(STRIPE_[A-Z_]+)=(\S+)$/.exec(l)).filter((m) => m !== null).map((m) => [m![1]!, m![2]!]));
  return wanted.every((k) => k in found) ? found : undefined;
}

const unescapeHtml = (text: string) => text.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');

function formActions(page: string, base: string): URL[] {
  return [...page.matchAll(/<form method="post" action="([^"]+)"/g)].map((m) => new URL(unescapeHtml(m[1]!), base));
}

/** The dev server run as `gatehouse stripe-dev`, in this process, stopped when `stop` is called. */
function runStripeDev(args: string[], env: NodeJS.ProcessEnv) {
  const lines: string[] = [];
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const exit = runCli(['stripe-dev', ...args], env, { out: (l) => lines.push(l), err: (l) => lines.push(l) }, { untilStopped: () => stopped });
  return { lines, exit, stop: async () => (stop(), exit) };
}

describe('gatehouse stripe-dev, with the real app on a real port', () => {
  let devDataDir: string;
  let dev: ReturnType<typeof runStripeDev>;
  let settings: Record<string, string>;
  let t: TestApp;
  let appBase: string;
  let closeApp: () => Promise<void>;

  beforeAll(async () => {
    devDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-stripe-dev-'));
    const appPort = await freePort();
    appBase = `http://127.0.0.1:${appPort}`;
    dev = runStripeDev(['--port', '0', '--app', appBase], { DATA_DIR: devDataDir });
    settings = await waitFor('the printed settings', () => settingsIn(dev.lines));
    t = await startTestApp('embedded', { env: { ...settings, PUBLIC_URL: appBase } });
    await t.deps.billing.plans.replace([{ priceId: 'price_dev_monthly', name: 'Monthly', description: 'Every article' }]);
    closeApp = (await listen(t.app, appPort)).close;
  });
  afterAll(async () => {
    await dev?.stop();
    await closeApp?.();
    await t?.close();
    fs.rmSync(devDataDir, { recursive: true, force: true });
  });

  const entitlementOf = async (agent: Agent) => (await agent.get('/api/me').expect(200)).body.entitlement as string;

  it('when it starts, then it prints the three settings, writes them to DATA_DIR/stripe-dev.env, and lists its prices', () => {
    const output = dev.lines.join('\n');
    expect(settings.STRIPE_API_URL).toMatch(/^http:\/\/localhost:\d+$/);
    expect(settings.STRIPE_SECRET_KEY).toMatch(/^sk_test_[A-Za-z0-9]{20,}$/);
    expect(settings.STRIPE_WEBHOOK_SECRET).toMatch(/^whsec_[A-Za-z0-9]{20,}$/);
    expect(output).toContain(`sending webhooks to ${appBase}/webhooks/stripe`);
    expect(output).toMatch(/price_dev_monthly\s+Monthly: €5\.00 per month/);
    expect(output).toMatch(/price_dev_yearly\s+Yearly: €50\.00 per year/);
    const envFile = fs.readFileSync(path.join(devDataDir, 'stripe-dev.env'), 'utf8');
    for (const [key, value] of Object.entries(settings)) expect(envFile).toContain(`${key}=${value}\n`);
    expect(fs.statSync(path.join(devDataDir, 'stripe-dev.env')).mode & 0o077).toBe(0);
  });

  it('when asked for its prices with its key, then it answers as Stripe does, and 401 without it', async () => {
    const auth = { Authorization: `Bearer ${settings.STRIPE_SECRET_KEY}` };
    const one = await fetch(`${settings.STRIPE_API_URL}/v1/prices/price_dev_yearly`, { headers: auth });
    expect(one.status).toBe(200);
    expect(await one.json()).toMatchObject({ id: 'price_dev_yearly', object: 'price', nickname: 'Yearly', unit_amount: 5000, currency: 'eur', type: 'recurring', recurring: { interval: 'year', interval_count: 1 } });
    const list = (await (await fetch(`${settings.STRIPE_API_URL}/v1/prices?active=true`, { headers: auth })).json()) as { object: string; data: { id: string }[] };
    expect(list.object).toBe('list');
    expect(list.data.map((p) => p.id)).toEqual(['price_dev_monthly', 'price_dev_yearly']);
    expect((await fetch(`${settings.STRIPE_API_URL}/v1/prices/price_nope`, { headers: auth })).status).toBe(404);
    expect((await fetch(`${settings.STRIPE_API_URL}/v1/prices`)).status).toBe(401);
  });

  it('when a request names another host (a page that rebinds its DNS name to 127.0.0.1), then 421 and nothing of it', async () => {
    const { port } = new URL(settings.STRIPE_API_URL!);
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/v1/prices', headers: { Host: `attacker.example:${port}`, Authorization: `Bearer ${settings.STRIPE_SECRET_KEY}` } }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(421);
  });

  it('when a reader subscribes, pays on its Checkout page and cancels in its portal, then its webhooks make them a subscriber and then not', async () => {
    const { agent, email } = await signUp(t.app);
    const article = await agent.get('/articles/care-home-contracts');
    const subscribe = await agent.post('/subscribe').type('form').send({ priceId: 'price_dev_monthly', returnTo: '/articles/care-home-contracts', _csrf: csrfTokenIn(article.text) }).expect(303);
    const checkoutUrl = subscribe.headers.location as string;
    expect(checkoutUrl).toMatch(new RegExp(`^${settings.STRIPE_API_URL}/c/pay/cs_test_`));

    // The hosted Checkout page: the plan, the reader, Pay and Cancel; no script, its own stylesheet only.
    const checkout = await fetch(checkoutUrl);
    expect(checkout.status).toBe(200);
    expect(checkout.headers.get('content-security-policy')).toMatch(/default-src 'none'; style-src 'self'; form-action 'self' http:\/\/127\.0\.0\.1:\d+;/);
    const page = await checkout.text();
    expect(page).toContain('<h2 id="plan-name">Monthly</h2>');
    expect(page).toContain('€5.00 per month');
    expect(page).toContain(email);
    expect(page).toContain('<button type="submit">Pay €5.00 today</button>');
    expect(page).toContain(`<a class="button secondary" href="${appBase}/articles/care-home-contracts">Cancel</a>`);
    expect(page).not.toMatch(/<script|style=|https?:\/\/(?!127\.0\.0\.1|localhost)/);
    const [pay] = formActions(page, checkoutUrl);
    expect(await entitlementOf(agent)).toBe('none');

    // Pay: back to the success URL; the webhooks, not the success page (not visited yet), make a subscriber.
    const paid = await fetch(pay!, { method: 'POST', redirect: 'manual' });
    expect(paid.status).toBe(303);
    const success = new URL(paid.headers.get('location')!);
    expect(success.origin).toBe(appBase);
    expect(success.pathname).toBe('/subscribe/success');
    expect(success.searchParams.get('session_id')).toBe(/\/c\/pay\/(cs_test_\w+)/.exec(checkoutUrl)![1]);
    await waitFor('the reader to be a subscriber', async () => (await entitlementOf(agent)) === 'subscriber');
    const delivered = await waitFor('three deliveries', () => {
      const lines = dev.lines.filter((l) => /^webhook \S+ evt_\w+ \(attempt 1\): 200$/.test(l));
      return lines.length >= 3 ? lines : undefined;
    });
    expect(delivered.map((l) => l.split(' ')[1]).sort()).toEqual(['checkout.session.completed', 'customer.subscription.created', 'invoice.paid']);
    expect((await agent.get(`${success.pathname}${success.search}`).expect(200)).text).toContain('Welcome, subscriber');

    // Pay again (a double click, a replay): the same success page, no second subscription.
    const again = await fetch(pay!, { method: 'POST', redirect: 'manual' });
    expect(again.headers.get('location')).toBe(success.href);

    // The portal: the plan, Cancel subscription, a switch to the other price, and the way back.
    const account = await agent.get('/account').expect(200);
    const portalStart = await agent.post('/billing/portal').type('form').send({ _csrf: csrfTokenIn(account.text) }).expect(303);
    const portalUrl = portalStart.headers.location as string;
    expect(portalUrl).toMatch(new RegExp(`^${settings.STRIPE_API_URL}/p/session/bps_`));
    const portal = await (await fetch(portalUrl)).text();
    expect(portal).toContain('Cancel subscription');
    expect(portal).toContain('Switch to Yearly (€50.00 per year)');
    expect(portal).toContain(`<a class="button secondary" href="${appBase}/account">Return to 127.0.0.1:`);
    expect(portal.match(/<section class="plan"/g)).toHaveLength(1);
    const cancel = formActions(portal, portalUrl).find((u) => u.pathname.endsWith('/cancel'))!;
    const canceled = await fetch(cancel, { method: 'POST', redirect: 'manual' });
    expect(canceled.status).toBe(303);
    const after = await (await fetch(new URL(canceled.headers.get('location')!, portalUrl))).text();
    expect(after).toContain('<p class="notice" role="status">Your subscription is canceled.</p>');
    expect(after).toContain('No current subscription.');
    await waitFor('the entitlement to end', async () => (await entitlementOf(agent)) === 'none');
    await waitFor('the deletion delivered', () => dev.lines.some((l) => /^webhook customer\.subscription\.deleted evt_\w+ \(attempt 1\): 200$/.test(l)) || undefined);
    // Cancelling again from the same page is refused: there is nothing of theirs left to cancel.
    expect((await fetch(cancel, { method: 'POST', redirect: 'manual' })).status).toBe(404);
  });

  it('when a portal session posts for a subscription of another customer, then 404 and nothing changes', async () => {
    const subscriber = await signUp(t.app);
    const other = await signUp(t.app);
    const subscriptionOf = async (agent: Agent) => {
      const article = await agent.get('/articles/care-home-contracts');
      const location = (await agent.post('/subscribe').type('form').send({ priceId: 'price_dev_monthly', _csrf: csrfTokenIn(article.text) }).expect(303)).headers.location as string;
      await fetch(formActions(await (await fetch(location)).text(), location)[0]!, { method: 'POST', redirect: 'manual' });
      await waitFor('a subscriber', async () => (await entitlementOf(agent)) === 'subscriber');
      const account = await agent.get('/account');
      return (await agent.post('/billing/portal').type('form').send({ _csrf: csrfTokenIn(account.text) }).expect(303)).headers.location as string;
    };
    const victimPortal = await subscriptionOf(subscriber.agent);
    const attackerPortal = await subscriptionOf(other.agent);
    const victimCancel = formActions(await (await fetch(victimPortal)).text(), victimPortal).find((u) => u.pathname.endsWith('/cancel'))!;
    const subscriptionId = /subscriptions\/(sub_\w+)\/cancel/.exec(victimCancel.pathname)![1];
    const forged = new URL(`${new URL(attackerPortal).pathname}/subscriptions/${subscriptionId}/cancel`, attackerPortal);
    expect((await fetch(forged, { method: 'POST', redirect: 'manual' })).status).toBe(404);
    expect(await entitlementOf(subscriber.agent)).toBe('subscriber');
  });

  describeWithBrowser('in a real browser', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchChromium();
    });
    afterAll(() => browser?.close());

    it.each([
      { name: 'desktop', viewport: { width: 1280, height: 800 } },
      { name: 'mobile', viewport: { width: 375, height: 740 } },
    ])('when a reader clicks through Checkout and the portal at $name width, then every page passes axe under its CSP', async ({ name, viewport }) => {
      const reader = await signUp(t.app);
      const context = await browser.newContext({ viewport });
      const cookie = sessionCookieOf(reader.response)!;
      await context.addCookies([{ name: cookie.slice(0, cookie.indexOf('=')), value: cookie.slice(cookie.indexOf('=') + 1), url: appBase }]);
      const page = await context.newPage();
      const problems: string[] = [];
      // Any error on the dev server's pages; on the app's, a blocked form or redirect (its missing favicon is not this test's).
      page.on('console', (m) => {
        const at = m.location().url;
        if (m.type() === 'error' && (at.startsWith(settings.STRIPE_API_URL!) || m.text().includes('Content Security Policy'))) problems.push(`${m.text()} at ${at}`);
      });
      const audit = async () => expect(describeViolations(blocking(await auditPage(page)))).toBe('');
      try {
        await page.goto(`${appBase}/articles/care-home-contracts`);
        await page.getByRole('button', { name: 'Subscribe: Monthly' }).click();
        await page.waitForURL(`${settings.STRIPE_API_URL}/c/pay/cs_test_*`);
        await page.getByRole('heading', { name: 'Monthly' }).waitFor();
        await audit();
        await screenshot(page, `stripe-dev-checkout-${name}`);
        await page.getByRole('button', { name: /^Pay/ }).click();
        await page.waitForURL(`${appBase}/subscribe/success*`);
        await page.getByRole('heading', { name: 'Welcome, subscriber' }).waitFor();

        await page.goto(`${appBase}/account`);
        await page.getByRole('button', { name: 'Manage billing' }).click();
        await page.waitForURL(`${settings.STRIPE_API_URL}/p/session/bps_*`);
        await audit();
        await screenshot(page, `stripe-dev-portal-${name}`);
        await page.getByRole('button', { name: 'Cancel subscription' }).click();
        await page.getByRole('status').filter({ hasText: 'Your subscription is canceled.' }).waitFor();
        await audit();
        await page.getByRole('link', { name: /^Return to 127\.0\.0\.1:/ }).click();
        await page.waitForURL(`${appBase}/account`);
        expect(problems).toEqual([]);
      } finally {
        await context.close();
      }
    });
  });
});

describe('gatehouse stripe-dev, the built command', () => {
  it('when run as a child process, then it prints its settings, keeps its secrets across restarts, and exits 0 on SIGTERM', async () => {
    expect(fs.existsSync(cli)).toBe(true);
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-stripe-dev-cli-'));
    const runOnce = async () => {
      const child = spawn(process.execPath, [cli, 'stripe-dev', '--port', '0', '--price', 'price_dev_weekly:Weekly:199:week:usd:7'], { env: { ...process.env, DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr.on('data', (c: Buffer) => (output += c.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      try {
        const printed = await waitFor('the settings', () => (child.exitCode === null ? settingsIn([output]) : (() => { throw new Error(`exited early:\n${output}`); })()));
        const price = await fetch(`${printed.STRIPE_API_URL}/v1/prices/price_dev_weekly`, { headers: { Authorization: `Bearer ${printed.STRIPE_SECRET_KEY}` } });
        expect(await price.json()).toMatchObject({ unit_amount: 199, currency: 'usd', recurring: { interval: 'week', trial_period_days: 7 } });
        expect(output).toContain('price_dev_weekly  Weekly: $1.99 per week, 7 days free');
        child.kill('SIGTERM');
        expect(await exited).toBe(0);
        expect(output).toContain('Stripe dev server stopped.');
        return printed;
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    };
    try {
      const first = await runOnce();
      const second = await runOnce();
      expect(second.STRIPE_SECRET_KEY).toBe(first.STRIPE_SECRET_KEY);
      expect(second.STRIPE_WEBHOOK_SECRET).toBe(first.STRIPE_WEBHOOK_SECRET);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('when a flag is wrong, then it names it and exits 2 without listening', async () => {
    const lines: string[] = [];
    const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-stripe-dev-flags-'));
    try {
      expect(await runCli(['stripe-dev', '--price', 'price_x:X:5,00:month'], { DATA_DIR: dataDir }, io, { untilStopped: () => new Promise(() => undefined) })).toBe(2);
      expect(lines.join('\n')).toContain('--price price_x:X:5,00:month');
      expect(await runCli(['stripe-dev', '--app', 'javascript:alert(1)'], { DATA_DIR: dataDir }, io, { untilStopped: () => new Promise(() => undefined) })).toBe(2);
      expect(lines.join('\n')).toContain('--app');
      expect(await runCli(['stripe-dev', '--frobnicate'], { DATA_DIR: dataDir }, io, { untilStopped: () => new Promise(() => undefined) })).toBe(2);
      expect(lines.join('\n')).toContain("Unknown option '--frobnicate'");
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
