import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Express } from 'express';
import pino from 'pino';
import { parseConfig } from '../../src/config/config';
import { buildGatehouse } from '../../src/composition';
import { createApp } from '../../src/app';
import { runCli } from '../../src/cli/commands';
import type { TestApp } from './test-app';
import { TestRedisCluster } from './redis-cluster';
import { TestPgBouncer } from './pgbouncer';
import { createPostgresDatabase } from './services';

/**
 * The production topology past one Redis and one database: a 3-master Redis Cluster,
 * PgBouncer in transaction mode in front of PostgreSQL, migrations run by `gatehouse
 * migrate` over a direct connection, and any number of app instances sharing them.
 */
export class ScaledDeployment {
  private readonly instances: TestApp[] = [];

  private constructor(
    readonly cluster: TestRedisCluster,
    readonly bouncer: TestPgBouncer,
    private readonly database: { url: string; drop: () => Promise<void> },
    readonly env: Record<string, string>,
  ) {}

  static async start(env: Record<string, string> = {}): Promise<ScaledDeployment> {
    const cluster = await TestRedisCluster.start();
    const bouncer = await TestPgBouncer.start();
    const database = await createPostgresDatabase();
    const deployment = new ScaledDeployment(cluster, bouncer, database, {
      DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-scaled-')),
      LOG_LEVEL: 'silent',
      NODE_ENV: 'test',
      TRUST_PROXY: 'true',
      DATABASE_URL: bouncer.urlOf(database.url),
      MIGRATION_DATABASE_URL: database.url,
      REDIS_CLUSTER_NODES: cluster.nodesSetting,
      REDIS_KEY_PREFIX: 'gh:',
      ...env,
    });
    const output: string[] = [];
    const code = await runCli(['migrate'], deployment.env, { out: (l) => output.push(l), err: (l) => output.push(l) });
    if (code !== 0) throw new Error(`gatehouse migrate failed: ${output.join('\n')}`);
    return deployment;
  }

  /** One more app instance, as `npm start` builds it from the environment. */
  async instance(): Promise<TestApp> {
    const config = parseConfig(this.env);
    const deps = await buildGatehouse({ ...config, sessionSecret: 'test-session-secret-that-is-long-enough-0123456789' }, { logger: pino({ level: 'silent' }) });
    await deps.meter.settings.reload();
    const instance: TestApp = { app: createApp(deps), deps, close: () => deps.close() };
    this.instances.push(instance);
    return instance;
  }

  async stop(): Promise<void> {
    for (const instance of this.instances) {
      await instance.deps.funnel.recorder.flush().catch(() => undefined);
      await instance.close();
    }
    await this.database.drop();
    await this.bouncer.stop();
    await this.cluster.stop();
    fs.rmSync(this.env.DATA_DIR!, { recursive: true, force: true });
  }
}

/** A load balancer in front of instances: each request goes to the next one in turn. */
export function roundRobin(instances: TestApp[]): Express {
  let next = 0;
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const instance = instances[next % instances.length]!;
    next += 1;
    instance.app(req as never, res as never);
  };
  return handler as unknown as Express;
}
