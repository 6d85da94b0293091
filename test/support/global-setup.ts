import fs from 'node:fs';
import net from 'node:net';
import { chromiumPath, testPostgresUrl, testRedisUrl } from './env';

function reachable(url: string, defaultPort: number): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || defaultPort), timeout: 1_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/**
 * Finds out once which real services this run has. On a laptop without them the suites
 * that need them say they were skipped and why; in CI (CI=true) a missing one fails the run.
 */
export default async function globalSetup(): Promise<void> {
  const missing: string[] = [];
  if (!(await reachable(testPostgresUrl, 5432))) missing.push(`PostgreSQL at ${testPostgresUrl}`);
  if (!(await reachable(testRedisUrl, 6379))) missing.push(`Redis at ${testRedisUrl}`);
  const services = missing.length === 0;
  const browser = fs.existsSync(chromiumPath);
  if (!browser) missing.push(`Chromium at ${chromiumPath}`);
  if (missing.length > 0 && process.env.CI) {
    throw new Error(`CI needs every service, and these are missing: ${missing.join(', ')}`);
  }
  process.env.GATEHOUSE_TEST_SERVICES = services ? '1' : '';
  process.env.GATEHOUSE_TEST_BROWSER = browser ? '1' : '';
  if (missing.length > 0) {
    console.warn(`\nSkipping suites that need: ${missing.join(', ')} (set TEST_DATABASE_URL, TEST_REDIS_URL, CHROMIUM_PATH)\n`);
  }
}
