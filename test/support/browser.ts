import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Express } from 'express';
import { chromium, type Browser } from 'playwright-core';
import { chromiumPath } from './env';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

/** Listens on an ephemeral port; the browser needs a real socket. */
export function listen(app: Express, port = 0): Promise<{ baseUrl: string; close: () => Promise<void> }> {
  return new Promise((resolve) => {
    const server: Server = app.listen(port, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        baseUrl: `http://127.0.0.1:${port}`,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

export interface BrowserHarness {
  readonly t: import('./test-app').TestApp;
  readonly baseUrl: string;
  readonly browser: Browser;
  close(): Promise<void>;
}

/** The app on a real socket plus a Chromium, for one browser test file. */
export async function startBrowserHarness(t: import('./test-app').TestApp, port = 0): Promise<BrowserHarness> {
  const server = await listen(t.app, port);
  const browser = await launchChromium();
  return {
    t,
    baseUrl: server.baseUrl,
    browser,
    async close() {
      await browser.close();
      await server.close();
      await t.close();
    },
  };
}

/** With SCREENSHOTS=<dir>, saves a full-page picture (used to refresh docs/). */
export async function screenshot(page: import('playwright-core').Page, name: string): Promise<void> {
  const dir = process.env.SCREENSHOTS;
  if (!dir) return;
  const fs = await import('node:fs');
  const path = await import('node:path');
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}

/** A port free now, for an app that must know its own address (PUBLIC_URL) before it listens. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
