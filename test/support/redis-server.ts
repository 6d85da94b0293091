import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import Redis from 'ioredis';

/**
 * Spawns a server that dies with the test worker: jest may kill a worker without running
 * its afterAll, and a server left behind would outlive the run.
 */
function spawnOwned(command: string, args: string[]): ChildProcess {
  return spawn('setpriv', ['--pdeathsig', 'SIGKILL', '--', command, ...args], { stdio: 'ignore' });
}

async function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** A redis-server owned by one test, on its own port, that the test can stop and start. */
export class TestRedisServer {
  private process: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    /** More redis-server arguments, e.g. `--replicaof 127.0.0.1 6380`. */
    private readonly extraArgs: string[] = [],
  ) {}

  static async freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
      const server = net.createServer();
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
      server.on('error', reject);
    });
  }

  static async start(extraArgs: string[] = []): Promise<TestRedisServer> {
    const server = new TestRedisServer(await TestRedisServer.freePort(), extraArgs);
    await server.start();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  private get running(): boolean {
    return this.process !== undefined && this.process.exitCode === null && this.process.signalCode === null;
  }

  /** Starts the server; a no-op while it runs (a second one could not bind and would hide the first). */
  async start(): Promise<void> {
    if (this.running) return;
    this.process = spawnOwned('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--repl-diskless-sync-delay', '0', '--dir', os.tmpdir(), '--dbfilename', `gatehouse-test-${this.port}.rdb`, ...this.extraArgs]);
    const client = new Redis(this.url, { lazyConnect: true, retryStrategy: () => 50, maxRetriesPerRequest: null });
    client.on('error', () => undefined);
    const deadline = Date.now() + 5_000;
    for (;;) {
      try {
        await client.connect().catch(() => undefined);
        if ((await client.ping()) === 'PONG') break;
      } catch {
        if (Date.now() > deadline) throw new Error('test redis-server did not start');
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    client.disconnect();
  }

  async stop(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (child !== undefined) await killAndWait(child);
    // A replica's full sync leaves an RDB file even with saving off.
    (await import('node:fs')).rmSync(`${os.tmpdir()}/gatehouse-test-${this.port}.rdb`, { force: true });
  }
}

/**
 * A master, one replica and one sentinel watching them (quorum 1, down after one second),
 * all owned by the test: enough for Sentinel to promote the replica when the master dies.
 */
export class TestRedisSentinel {
  readonly masterName = 'gatehouse-test';

  private constructor(
    readonly master: TestRedisServer,
    readonly replica: TestRedisServer,
    readonly sentinelPort: number,
    private readonly sentinel: ChildProcess,
    private readonly dir: string,
  ) {}

  static async start(): Promise<TestRedisSentinel> {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const master = await TestRedisServer.start();
    const replica = await TestRedisServer.start(['--replicaof', '127.0.0.1', String(master.port)]);
    const sentinelPort = await TestRedisServer.freePort();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-sentinel-'));
    const conf = path.join(dir, 'sentinel.conf');
    fs.writeFileSync(
      conf,
      [
        `port ${sentinelPort}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor gatehouse-test 127.0.0.1 ${master.port} 1`,
        'sentinel down-after-milliseconds gatehouse-test 1000',
        'sentinel failover-timeout gatehouse-test 5000',
        '',
      ].join('\n'),
    );
    const sentinel = spawnOwned('redis-server', [conf, '--sentinel']);
    const setup = new TestRedisSentinel(master, replica, sentinelPort, sentinel, dir);
    await setup.replicaInSync(replica.port);
    return setup;
  }

  /**
   * Waits until the sentinel sees the replica on `port` up and linked to its master. A
   * demoted master is converted by Sentinel only about ten seconds after a switch-over.
   */
  async replicaInSync(port: number): Promise<void> {
    await this.until(async (client) => {
      const replicas = (await client.call('SENTINEL', 'REPLICAS', this.masterName)) as string[][];
      return replicas.some((f) => f[f.indexOf('port') + 1] === String(port) && f[f.indexOf('master-link-status') + 1] === 'ok' && !f[f.indexOf('flags') + 1]!.includes('disconnected'));
    }, 30_000);
  }

  get sentinels(): string {
    return `127.0.0.1:${this.sentinelPort}`;
  }

  /** The port of the master the sentinel currently names. */
  async masterPort(): Promise<number> {
    const client = new Redis(this.sentinelPort, '127.0.0.1');
    try {
      const [, port] = (await client.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.masterName)) as [string, string];
      return Number(port);
    } finally {
      client.disconnect();
    }
  }

  async until(check: (client: Redis) => Promise<boolean>, timeoutMs: number): Promise<void> {
    const client = new Redis({ port: this.sentinelPort, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => 50, maxRetriesPerRequest: null });
    client.on('error', () => undefined);
    const deadline = Date.now() + timeoutMs;
    try {
      await client.connect().catch(() => undefined);
      for (;;) {
        if (await check(client).catch(() => false)) return;
        if (Date.now() > deadline) throw new Error('the test sentinel did not reach the expected state');
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      client.disconnect();
    }
  }

  /**
   * Waits until the replica has every write the master has taken so far: a write of its own,
   * then WAIT, which returns once a replica acknowledges it (and so everything before it).
   */
  async replicated(): Promise<void> {
    const client = new Redis(await this.masterPort(), '127.0.0.1');
    try {
      await client.set('gatehouse-test:replication-probe', String(Date.now()));
      const acknowledged = Number(await client.call('WAIT', '1', '10000'));
      if (acknowledged < 1) throw new Error('the replica did not acknowledge the writes within 10 s');
    } finally {
      client.disconnect();
    }
  }

  async stop(): Promise<void> {
    await killAndWait(this.sentinel);
    await this.replica.stop();
    await this.master.stop();
    const fs = await import('node:fs');
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
