import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import pino from 'pino';
import { parseConfig } from '../../src/config/config';
import { buildGatehouse, type Gatehouse, type BuildOptions } from '../../src/composition';
import { createApp } from '../../src/app';
import { migrateToLatest } from '../../src/store/migrate';
import { createPostgresDatabase, describeWithServices, uniqueName } from './services';
import { testRedisUrl } from './env';

export type Mode = 'embedded' | 'production';

export interface TestApp {
  readonly app: Express;
  readonly deps: Gatehouse;
  close(): Promise<void>;
}

/**
 * The real app in either mode: embedded (SQLite in a temporary DATA_DIR, SQL sessions,
 * in-memory throttle) or production (its own PostgreSQL database, Redis under its own prefix).
 */
export async function startTestApp(
  mode: Mode,
  options: BuildOptions & { env?: Record<string, string>; shareStorageWith?: TestApp } = {},
): Promise<TestApp> {
  const shared = options.shareStorageWith;
  const dataDir = shared?.deps.config.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-test-'));
  const postgres = shared ? undefined : mode === 'production' ? await createPostgresDatabase() : undefined;
  const prefix = shared?.deps.config.redisKeyPrefix ?? `${uniqueName('ghtest')}:`;
  const databaseUrl = shared?.deps.config.databaseUrl ?? postgres?.url;
  const config = parseConfig({
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    NODE_ENV: 'test',
    TRUST_PROXY: 'true',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl, REDIS_URL: testRedisUrl, REDIS_KEY_PREFIX: prefix } : {}),
    ...options.env,
  });
  const deps = await buildGatehouse(
    { ...config, sessionSecret: 'test-session-secret-that-is-long-enough-0123456789' },
    { logger: pino({ level: 'silent' }), ...options },
  );
  await migrateToLatest(deps.database.db);
  return {
    app: createApp(deps),
    deps,
    async close() {
      if (shared) return deps.close();
      // Buffered funnel and institution figures are written now, so that they go with the test's keys.
      await deps.funnel.recorder.flush();
      await deps.institutions.flush();
      if (deps.redis) {
        // Best effort: a test may leave Redis down or still reconnecting.
        const keys = await deps.redis.keys(`${prefix}*`).catch(() => []);
        if (keys.length > 0) await deps.redis.del(...keys).catch(() => undefined);
      }
      await deps.close();
      await postgres?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const modes: Mode[] = ['embedded', 'production'];

/** `describe` for the embedded mode; for production, only where PostgreSQL and Redis are here. */
export const describeMode = (mode: Mode): jest.Describe => (mode === 'production' ? describeWithServices : describe);
