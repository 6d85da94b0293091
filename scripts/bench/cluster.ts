import type Redis from 'ioredis';
import { AccountsRepository } from '../../src/auth/accounts.repository';
import { EntitlementsRepository } from '../../src/meter/entitlements.repository';
import { RedisMeterStore } from '../../src/meter/meter-store.redis';
import { TestRedisCluster } from '../../test/support/redis-cluster';
import { anonymousReaderAfter, signUp, type Fixtures } from './fixtures';
import { perViewCosts, redisBytesOfReader, type PerView, type ViewTarget } from './readings';
import { startChild, stopChild, type Served } from './processes';
import type { Kind } from './report';

const article = 'harbour-bridge-reopens';
const premium = 'care-home-contracts';
export const onCluster = ' (Redis Cluster)';
// The cluster is the bench's own, so its keys need no unique prefix: they get the default
// one, whose length decides the bytes per reader (a Cluster adds 16 bytes per key).
const keyPrefix = 'gatehouse:';

export interface ClusterViews {
  readonly kinds: readonly (Kind & ViewTarget)[];
  readonly bytesPerReader: number;
  perView(): Promise<Map<string, PerView>>;
  stop(): Promise<void>;
}

/**
 * --cluster: a second app child over a 3-master Redis Cluster on loopback ports (the same
 * PostgreSQL), whose gated kinds join the same alternating rounds and table as the single
 * Redis's. Its readers are its own: sessions and meters live in the cluster.
 */
export async function clusterViews(entry: string, fixtures: Fixtures): Promise<ClusterViews> {
  const cluster = await TestRedisCluster.start();
  let app: Served | undefined;
  const client = await cluster.client();
  try {
    app = await startChild(entry, 'app', { env: { ...fixtures.env, REDIS_URL: '', REDIS_CLUSTER_NODES: cluster.nodesSetting, REDIS_KEY_PREFIX: keyPrefix } });
    const base = app.base;
    const registered = (await signUp(base)).cookie;
    const subscriber = await signUp(base);
    const accountId = (await new AccountsRepository(fixtures.handle.db, Date.now).findByEmail(subscriber.email))!.id;
    await new EntitlementsRepository(fixtures.handle.db, Date.now).set(accountId, 'subscriber', null);
    await new RedisMeterStore(client, { keyPrefix }).forgetEntitlement(accountId);
    const exhausted = await anonymousReaderAfter(base, ['tram-line-consultation', 'flood-defences-budget', 'market-hall-restoration']);
    const reader = await anonymousReaderAfter(base, ['tram-line-consultation', 'flood-defences-budget', 'jazz-quartet-review']);
    // MEMORY USAGE is a single-key command: a Cluster client sends it to the key's master.
    const bytesPerReader = await redisBytesOfReader(client as unknown as Redis, keyPrefix, fixtures.sessionSecret, reader);
    const kinds = [
      // One trip more than on one server: the settings version is read in its own step.
      { name: `anonymous metered (new reader)${onCluster}`, url: `${base}/articles/${article}`, expect: 'metered', gated: true, redisTrips: 2, server: app.child },
      { name: `registered metered${onCluster}`, url: `${base}/articles/${article}`, cookie: registered, expect: 'metered', gated: true, redisTrips: 3, server: app.child },
      { name: `subscriber${onCluster}`, url: `${base}/articles/${premium}`, cookie: subscriber.cookie, expect: 'subscriber', gated: true, redisTrips: 3, server: app.child },
      { name: `registration wall${onCluster}`, url: `${base}/articles/${article}`, cookie: exhausted, expect: 'registration-wall', gated: true, redisTrips: 2, server: app.child },
    ];
    const served = app;
    console.log(`Redis Cluster bytes per anonymous reader after 3 reads (MEMORY USAGE, prefix "${keyPrefix}"): ${bytesPerReader}`);
    return {
      kinds,
      bytesPerReader,
      async perView() {
        const perView = new Map<string, PerView>();
        for (const kind of kinds) perView.set(kind.name, await perViewCosts(served.child, kind));
        return perView;
      },
      async stop() {
        await stopChild(served);
        client.disconnect();
        await cluster.stop();
      },
    };
  } catch (error) {
    await stopChild(app);
    client.disconnect();
    await cluster.stop();
    throw error;
  }
}
