import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type DatabaseHandle } from '../../src/store/database';
import { migrateToLatest } from '../../src/store/migrate';
import { createPostgresDatabase, haveServices } from './services';

export interface TestDatabase {
  readonly handle: DatabaseHandle;
  /** PostgreSQL's address (for a second handle on the same database); undefined for SQLite. */
  readonly url?: string;
  close(): Promise<void>;
}

export type DialectName = 'sqlite' | 'postgres';

/** The dialects a contract suite loops over: PostgreSQL only where the service is here. */
export const dialects: DialectName[] = haveServices ? ['sqlite', 'postgres'] : ['sqlite'];

export async function openTestDatabase(dialect: DialectName): Promise<TestDatabase> {
  if (dialect === 'postgres') {
    const postgres = await createPostgresDatabase();
    const handle = openDatabase({ databaseUrl: postgres.url, sqliteFile: '' });
    await migrateToLatest(handle.db);
    return { handle, url: postgres.url, close: async () => { await handle.close(); await postgres.drop(); } };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-db-'));
  const handle = openDatabase({ databaseUrl: undefined, sqliteFile: path.join(dir, 'test.sqlite') });
  await migrateToLatest(handle.db);
  return { handle, close: async () => { await handle.close(); fs.rmSync(dir, { recursive: true, force: true }); } };
}
