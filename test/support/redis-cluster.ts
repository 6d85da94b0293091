import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Redis, { type Cluster } from 'ioredis';
import { openRedisCluster } from '../../src/store/redis';

const run = promisify(execFile);

/** `count` distinct free ports: every listener is held until all are chosen. */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<net.Server>((resolve, reject) => {
      const server = net.createServer();
      server.on('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(server));
    })),
  );
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

interface ClusterNode {
  readonly port: number;
  readonly process: ChildProcess;
}

/**
 * A 3-master Redis Cluster on loopback ports, owned by one test file: each node dies with
 * the test worker (setpriv's parent-death signal), and `stop` removes its files.
 */
export class TestRedisCluster {
  private constructor(
    private readonly nodes: ClusterNode[],
    private readonly dir: string,
  ) {}

  static async start(): Promise<TestRedisCluster> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-cluster-'));
    const nodes: ClusterNode[] = [];
    try {
      // Client and bus ports, all distinct. The bus port is chosen too: port + 10000 (the
      // default) may lie past 65535.
      const ports = await freePorts(6);
      for (let i = 0; i < 3; i += 1) {
        const [port, busPort] = [ports[2 * i]!, ports[2 * i + 1]!];
        const args = ['--port', String(port), '--cluster-port', String(busPort), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', path.join(dir, `nodes-${port}.conf`), '--cluster-node-timeout', '2000', '--save', '', '--appendonly', 'no', '--dir', dir];
        nodes.push({ port, process: spawn('setpriv', ['--pdeathsig', 'SIGKILL', '--', 'redis-server', ...args], { stdio: 'ignore' }) });
      }
      const cluster = new TestRedisCluster(nodes, dir);
      for (const node of nodes) await cluster.untilAnswers(node.port, async (c) => (await c.ping()) === 'PONG');
      await run('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-yes']);
      for (const node of nodes) {
        await cluster.untilAnswers(node.port, async (c) => {
          const info = String(await c.call('CLUSTER', 'INFO'));
          return info.includes('cluster_state:ok') && info.includes('cluster_known_nodes:3') && info.includes('cluster_slots_assigned:16384');
        });
      }
      return cluster;
    } catch (error) {
      await new TestRedisCluster(nodes, dir).stop();
      throw error;
    }
  }

  /** `REDIS_CLUSTER_NODES` for this cluster. */
  get nodesSetting(): string {
    return this.nodes.map((n) => `127.0.0.1:${n.port}`).join(',');
  }

  get seeds(): { host: string; port: number }[] {
    return this.nodes.map((n) => ({ host: '127.0.0.1', port: n.port }));
  }

  /** A connected client as the app opens it, with a longer command timeout for a loaded test machine. */
  async client(): Promise<Cluster> {
    const client = openRedisCluster(this.seeds, { commandTimeoutMs: 5_000 });
    await client.connect();
    return client;
  }

  /** Deletes the keys under `prefix` on every master (KEYS on a Cluster client asks one node only). */
  async deleteKeys(prefix: string): Promise<void> {
    for (const node of this.nodes) {
      await this.withNode(node.port, async (c) => {
        for (const key of await c.keys(`${prefix}*`)) await c.del(key);
      });
    }
  }

  /** Every key under `prefix`, from every master. */
  async keys(prefix: string): Promise<string[]> {
    const all: string[] = [];
    for (const node of this.nodes) await this.withNode(node.port, async (c) => all.push(...(await c.keys(`${prefix}*`))));
    return all.sort();
  }

  async portOfSlot(slot: number): Promise<number> {
    return this.withNode(this.nodes[0]!.port, async (c) => {
      const ranges = (await c.call('CLUSTER', 'SLOTS')) as [number, number, [string, number, string]][];
      const range = ranges.find(([from, to]) => slot >= from && slot <= to);
      if (range === undefined) throw new Error(`slot ${slot} is not served`);
      return Number(range[2][1]);
    });
  }

  async slotOf(key: string): Promise<number> {
    return this.withNode(this.nodes[0]!.port, async (c) => Number(await c.call('CLUSTER', 'KEYSLOT', key)));
  }

  /**
   * Moves one slot, with its keys, to another master the way `redis-cli --cluster reshard`
   * does: IMPORTING/MIGRATING, MIGRATE the keys in batches, then SETSLOT NODE everywhere.
   * Meanwhile clients get ASK (a key already moved) or TRYAGAIN, then MOVED.
   * `betweenBatches` runs after each batch of keys, so a test can put traffic in the middle.
   */
  async migrateSlot(slot: number, betweenBatches: () => Promise<void> = async () => undefined): Promise<number> {
    const sourcePort = await this.portOfSlot(slot);
    const target = this.nodes.find((n) => n.port !== sourcePort)!;
    const idOf = (port: number) => this.withNode(port, async (c) => String(await c.call('CLUSTER', 'MYID')));
    const [sourceId, targetId] = [await idOf(sourcePort), await idOf(target.port)];
    await this.withNode(target.port, (c) => c.call('CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', sourceId));
    await this.withNode(sourcePort, async (c) => {
      await c.call('CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', targetId);
      for (;;) {
        const keys = (await c.call('CLUSTER', 'GETKEYSINSLOT', String(slot), '2')) as string[];
        if (keys.length === 0) break;
        await c.call('MIGRATE', '127.0.0.1', String(target.port), '', '0', '5000', 'KEYS', ...keys);
        await betweenBatches();
      }
    });
    for (const node of [target.port, sourcePort, ...this.nodes.map((n) => n.port)]) {
      await this.withNode(node, (c) => c.call('CLUSTER', 'SETSLOT', String(slot), 'NODE', targetId));
    }
    return target.port;
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.nodes.map(
        ({ process: child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
          }),
      ),
    );
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private async withNode<T>(port: number, use: (client: Redis) => Promise<T>): Promise<T> {
    const client = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1 });
    client.on('error', () => undefined);
    try {
      return await use(client);
    } finally {
      client.disconnect();
    }
  }

  private async untilAnswers(port: number, check: (client: Redis) => Promise<boolean>): Promise<void> {
    // Without the offline queue a command fails at once while the node is not up yet.
    const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => 50, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    client.on('error', () => undefined);
    const deadline = Date.now() + 15_000;
    try {
      await client.connect().catch(() => undefined);
      for (;;) {
        if (await check(client).catch(() => false)) return;
        if (Date.now() > deadline) throw new Error(`test cluster node ${port} did not become ready`);
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      client.disconnect();
    }
  }
}
