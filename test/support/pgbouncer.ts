import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type DatabaseHandle } from '../../src/store/database';
import { migrateToLatest } from '../../src/store/migrate';
import { testPostgresUrl } from './env';
import { TestRedisServer } from './redis-server';
import { createPostgresDatabase } from './services';

export const pgbouncerBinary = '/usr/sbin/pgbouncer';

/**
 * Debian's PgBouncer in transaction mode in front of the test PostgreSQL, on its own port,
 * owned by one test file. PgBouncer refuses to run as root, so it runs as `postgres`; it
 * dies with the test worker (parent-death signal), and `stop` removes its files.
 */
export class TestPgBouncer {
  private constructor(
    readonly port: number,
    private readonly process: ChildProcess,
    private readonly dir: string,
    private readonly log: () => string,
  ) {}

  static async start(): Promise<TestPgBouncer> {
    const port = await TestRedisServer.freePort();
    const upstream = new URL(testPostgresUrl);
    const user = decodeURIComponent(upstream.username || 'postgres');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-pgbouncer-'));
    fs.chmodSync(dir, 0o755);
    fs.writeFileSync(path.join(dir, 'userlist.txt'), `"${user}" ""\n`, { mode: 0o644 });
    const ini = path.join(dir, 'pgbouncer.ini');
    fs.writeFileSync(
      ini,
      [
        '[databases]',
        `* = host=${upstream.hostname} port=${upstream.port || '5432'}`,
        '[pgbouncer]',
        'listen_addr = 127.0.0.1',
        `listen_port = ${port}`,
        'unix_socket_dir =',
        'auth_type = trust',
        `auth_file = ${path.join(dir, 'userlist.txt')}`,
        'pool_mode = transaction',
        // Few server connections per database, so that transactions of different clients
        // share them: what leaks between transactions shows.
        'default_pool_size = 4',
        'max_client_conn = 500',
        'server_reset_query =',
        'ignore_startup_parameters = extra_float_digits,options',
        '',
      ].join('\n'),
      { mode: 0o644 },
    );
    const child = spawn('setpriv', ['--reuid=postgres', '--regid=postgres', '--clear-groups', '--pdeathsig', 'SIGKILL', '--', pgbouncerBinary, ini], { stdio: ['ignore', 'ignore', 'pipe'] });
    // Its log goes to stderr: kept, to explain a start that fails.
    let log = '';
    child.stderr!.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-2_000)));
    const bouncer = new TestPgBouncer(port, child, dir, () => log);
    try {
      await bouncer.untilListening();
    } catch (error) {
      await bouncer.stop();
      throw error;
    }
    return bouncer;
  }

  /** The URL of `database` through PgBouncer. */
  urlOf(directUrl: string): string {
    const url = new URL(directUrl);
    url.host = `127.0.0.1:${this.port}`;
    return url.href;
  }

  /**
   * A fresh database, migrated over a direct connection (Kysely's migrator holds a
   * session-level lock), and a handle through PgBouncer for the code under test.
   */
  async openDatabase(): Promise<{ handle: DatabaseHandle; directUrl: string; pooledUrl: string; close(): Promise<void> }> {
    const postgres = await createPostgresDatabase();
    const direct = openDatabase({ databaseUrl: postgres.url, sqliteFile: '' });
    await migrateToLatest(direct.db);
    await direct.close();
    const handle = openDatabase({ databaseUrl: this.urlOf(postgres.url), sqliteFile: '' });
    return {
      handle,
      directUrl: postgres.url,
      pooledUrl: this.urlOf(postgres.url),
      async close() {
        await handle.close();
        await postgres.drop();
      },
    };
  }

  async stop(): Promise<void> {
    const child = this.process;
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      });
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private async untilListening(): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (this.process.exitCode !== null) throw new Error(`pgbouncer exited: ${this.log()}`);
      const open = await new Promise<boolean>((resolve) => {
        const socket = net.connect(this.port, '127.0.0.1', () => {
          socket.destroy();
          resolve(true);
        });
        socket.on('error', () => resolve(false));
      });
      if (open) return;
      if (Date.now() > deadline) throw new Error(`pgbouncer did not listen on ${this.port}: ${this.log()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
