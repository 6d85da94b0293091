import type { Server } from 'node:http';
import pino from 'pino';
import { ConfigError, parseConfig } from './config/config';
import { resolveSessionSecret } from './config/session-secret';
import { buildGatehouse } from './composition';
import { createApp } from './app';
import { createHttpServer } from './http/server';
import { migrateToLatest, pendingMigrations } from './store/migrate';

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`gatehouse: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  const config = resolveSessionSecret(parsed);
  // Log lines are written off the request path (sonic-boom, asynchronous); whatever is
  // buffered is flushed before the process exits.
  const destination = pino.destination({ sync: false });
  const logger = pino({ level: config.logLevel }, destination);
  const exit = (code: number): never => {
    destination.flushSync();
    process.exit(code);
  };
  const deps = await buildGatehouse(config, { logger });

  if (deps.database.dialect === 'sqlite') {
    const applied = await migrateToLatest(deps.database.db);
    if (applied.length > 0) logger.info({ applied }, 'migrations applied');
  } else {
    const pending = await pendingMigrations(deps.database.db);
    if (pending.length > 0) {
      logger.fatal({ pending }, 'the database needs migrating: run `gatehouse migrate` first');
      await deps.close();
      exit(1);
    }
  }

  // Loaded now so that the first article views need no query.
  await deps.meter.settings.reload();
  const app = createApp(deps);
  const server: Server = createHttpServer(app).listen(config.port, () => {
    const mode = deps.database.dialect === 'sqlite' ? `embedded (${config.dataDir})` : 'production (PostgreSQL + Redis)';
    logger.info({ port: config.port, mode, publicUrl: config.publicUrl.href }, `Gatehouse listening on port ${config.port}`);
  });
  server.on('error', (error) => {
    logger.fatal({ err: error }, 'server failed to start');
    exit(1);
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    const force = setTimeout(() => {
      logger.warn('in-flight requests did not finish in 10 s; closing anyway');
      server.closeAllConnections();
    }, 10_000);
    force.unref();
    server.close(() => {
      deps.close().then(
        () => exit(0),
        (error) => {
          logger.error({ err: error }, 'error while closing');
          exit(1);
        },
      );
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  console.error('gatehouse: failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
