import Redis, { Cluster, type RedisOptions } from 'ioredis';
import type { Config } from '../config/config';

/** A single server (or Sentinel's master) or a Redis Cluster: both take the same commands. */
export type RedisClient = Redis | Cluster;

export interface RedisNode {
  readonly host: string;
  readonly port: number;
}

export interface RedisConnectOptions {
  readonly connectTimeoutMs?: number;
  readonly commandTimeoutMs?: number;
  /** Sentinel: the url's host is then the master's name, and these find it. */
  readonly sentinels?: ReadonlyArray<{ readonly host: string; readonly port: number }>;
  readonly sentinelPassword?: string;
}

/**
 * A client for request paths: with the offline queue off and a command timeout, a Redis
 * outage makes commands fail fast instead of queueing, so requests do not hang.
 *
 * With sentinels, the client asks them for the current master whenever it (re)connects,
 * and reconnects when a demoted master answers READONLY; while the master changes,
 * commands fail fast like any other outage. (ioredis's `failoverDetector` is left off: its
 * disconnect can land while the client is reconnecting, which ends the client for good.)
 */
export function openRedis(url: string, options: RedisConnectOptions = {}): Redis {
  const common: RedisOptions = {
    ...failFast(options),
    enableOfflineQueue: false,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  };
  const client = options.sentinels === undefined ? new Redis(url, common) : new Redis({ ...common, ...sentinelOptions(url, options) });
  // Connection errors are retried by ioredis and surface per command; do not crash on them.
  client.on('error', () => undefined);
  return client;
}

function failFast(options: RedisConnectOptions) {
  return {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    // A command whose connection dropped after Redis ran it (before the reply) is not sent
    // again on reconnect: a view script would count a new reader twice. It fails as an outage.
    autoResendUnfulfilledCommands: false,
    connectTimeout: options.connectTimeoutMs ?? 2_000,
    commandTimeout: options.commandTimeoutMs ?? 500,
  } satisfies RedisOptions;
}

/**
 * A Redis Cluster client that fails fast like `openRedis`. Reads go to masters only: the
 * meter reads what it has just counted, and a replica may lag behind. The cluster follows
 * MOVED/ASK redirections (a slot migration) and a promoted replica on its own.
 */
export interface ClusterAuth {
  readonly username?: string;
  readonly password?: string;
  readonly tls?: boolean;
}

export function openRedisCluster(nodes: ReadonlyArray<RedisNode>, options: Pick<RedisConnectOptions, 'connectTimeoutMs' | 'commandTimeoutMs'> & ClusterAuth = {}): Cluster {
  const client = new Cluster(
    nodes.map(({ host, port }) => ({ host, port })),
    {
      lazyConnect: true,
      scaleReads: 'master',
      enableOfflineQueue: false,
      clusterRetryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
      redisOptions: { ...failFast(options), username: options.username, password: options.password, tls: options.tls ? {} : undefined },
      // Managed clusters behind TLS announce names that must be looked up as given.
      dnsLookup: options.tls ? (address, callback) => callback(null, address) : undefined,
    },
  );
  client.on('error', () => undefined);
  return client;
}

function sentinelOptions(url: string, options: RedisConnectOptions): RedisOptions {
  const parsed = new URL(url);
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0;
  return {
    sentinels: options.sentinels?.map(({ host, port }) => ({ host, port })),
    name: decodeURIComponent(parsed.hostname),
    username: parsed.username === '' ? undefined : decodeURIComponent(parsed.username),
    password: parsed.password === '' ? undefined : decodeURIComponent(parsed.password),
    sentinelPassword: options.sentinelPassword,
    db: Number.isInteger(db) ? db : 0,
    tls: parsed.protocol === 'rediss:' ? {} : undefined,
    enableTLSForSentinelMode: parsed.protocol === 'rediss:',
    sentinelRetryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    reconnectOnError: (error) => error.message.startsWith('READONLY'),
  };
}

/** The Redis the settings name: a Cluster, one server or Sentinel's master; none in the embedded mode. */
export function openConfiguredRedis(config: Pick<Config, 'redisUrl' | 'redisClusterNodes' | 'redisCluster' | 'redisSentinels' | 'redisSentinelPassword'>): RedisClient | undefined {
  if (config.redisClusterNodes !== undefined) return openRedisCluster(config.redisClusterNodes, config.redisCluster);
  if (config.redisUrl === undefined) return undefined;
  return openRedis(config.redisUrl, { sentinels: config.redisSentinels, sentinelPassword: config.redisSentinelPassword });
}

/**
 * Readiness of Redis: a ping of the server, or of every master of a Cluster (one answering
 * master says nothing of the slots the others serve).
 */
export async function pingRedis(client: RedisClient): Promise<void> {
  if (client instanceof Cluster) {
    const masters = client.nodes('master');
    if (masters.length === 0) throw new Error('no Redis Cluster master is known');
    await Promise.all(masters.map((node) => node.ping()));
    return;
  }
  await client.ping();
}
