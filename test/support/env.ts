/** Where the integration suites find PostgreSQL and Redis (the machine's services by default). */
export const testPostgresUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const testRedisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
