import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { testPostgresUrl } from './env';

export const haveServices = process.env.GATEHOUSE_TEST_SERVICES === '1';
export const haveBrowser = process.env.GATEHOUSE_TEST_BROWSER === '1';

/** `describe` when PostgreSQL and Redis are here; a visible skip (never in CI) when not. */
export const describeWithServices: jest.Describe = haveServices ? describe : describe.skip;
export const describeWithBrowser: jest.Describe = haveBrowser ? describe : describe.skip;

export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

/** A fresh PostgreSQL database for one test file; `drop` removes it. */
export async function createPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = uniqueName('gatehouse_test');
  const admin = new Client({ connectionString: testPostgresUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(testPostgresUrl);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    drop: async () => {
      const client = new Client({ connectionString: testPostgresUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}
