import { openRedisCluster } from './redis';
import { parseConfig } from '../config/config';

describe('openRedisCluster', () => {
  it('when the cluster asks for AUTH and TLS, then every node connection carries the user, the password and TLS', () => {
    const config = parseConfig({ REDIS_CLUSTER_NODES: 'cache-a:6379,cache-b:6379', REDIS_CLUSTER_USERNAME: 'gatehouse', REDIS_CLUSTER_PASSWORD: 's3cret', REDIS_CLUSTER_TLS: 'true' });
    const cluster = openRedisCluster(config.redisClusterNodes!, config.redisCluster);
    try {
      expect(cluster.options.redisOptions).toMatchObject({ username: 'gatehouse', password: 's3cret', tls: {} });
      expect(cluster.options.enableOfflineQueue).toBe(false);
      expect(cluster.options.scaleReads).toBe('master');
    } finally {
      cluster.disconnect();
    }
  });

  it('when none is set, then no AUTH and plain connections', () => {
    const config = parseConfig({ REDIS_CLUSTER_NODES: 'cache-a:6379' });
    const cluster = openRedisCluster(config.redisClusterNodes!, config.redisCluster);
    try {
      expect(cluster.options.redisOptions?.password).toBeUndefined();
      expect(cluster.options.redisOptions?.tls).toBeUndefined();
    } finally {
      cluster.disconnect();
    }
  });

  it('when REDIS_CLUSTER_TLS is not a boolean, then the setting is refused by name', () => {
    expect(() => parseConfig({ REDIS_CLUSTER_NODES: 'cache-a:6379', REDIS_CLUSTER_TLS: 'yes' })).toThrow(/REDIS_CLUSTER_TLS must be "true" or "false"/);
  });
});
