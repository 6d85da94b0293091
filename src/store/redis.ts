import Redis from 'ioredis';

/**
 * A client for request paths: with the offline queue off and a command timeout, a Redis
 * outage makes commands fail fast instead of queueing, so requests do not hang.
 */
export function openRedis(url: string, options: { connectTimeoutMs?: number; commandTimeoutMs?: number } = {}): Redis {
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: options.connectTimeoutMs ?? 2_000,
    commandTimeout: options.commandTimeoutMs ?? 500,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
  // Connection errors are retried by ioredis and surface per command; do not crash on them.
  client.on('error', () => undefined);
  return client;
}
