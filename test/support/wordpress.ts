import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { TestRedisServer } from './redis-server';

export const wordpressRoot = '/usr/share/wordpress';
const scripts = path.join(__dirname, 'wordpress');

/**
 * `describe` when Debian's WordPress, php-cli and MariaDB can be here; in CI always, so that
 * a missing package fails the run instead of skipping (`.ci/run` installs them).
 */
export const describeWithWordPress: jest.Describe =
  process.env.CI || (fs.existsSync(path.join(wordpressRoot, 'wp-load.php')) && fs.existsSync('/usr/bin/php')) ? describe : describe.skip;

export interface WordPressPostFields {
  readonly title?: string;
  /** Paragraphs as HTML: the post is classic (block-free) content, one `<p>` each. */
  readonly paragraphs?: readonly string[];
  /** Raw `post_content`, used as written (wins over `paragraphs`); `<!--more-->` goes here. */
  readonly content?: string;
  /** A category name, created when missing. */
  readonly category?: string;
  /** Default 'publish' (a `date` in the future makes WordPress schedule it instead). */
  readonly status?: 'publish' | 'draft' | 'private';
  /** Site time (UTC), anything strtotime reads: '2025-04-10' or '2025-04-10 09:30:00'. Default now. */
  readonly date?: string;
  readonly excerpt?: string;
  readonly slug?: string;
}

export interface WordPressPost {
  readonly id: number;
  /** The permalink's path, e.g. '/2025/04/slug/' ('/?p=ID' for a draft). */
  readonly path: string;
}

export interface TestWordPress {
  /** 'http://127.0.0.1:<port>', also WordPress's home and site URL. */
  readonly url: string;
  readonly port: number;
  insertPost(post: WordPressPostFields & { readonly title: string }): Promise<WordPressPost>;
  updatePost(id: number, fields: WordPressPostFields): Promise<WordPressPost>;
  /** `update_option`; a permalink setting is flushed into the rewrite rules at once. */
  setOption(name: string, value: string | number | boolean | Record<string, unknown>): Promise<void>;
  /** Runs PHP (no `<?php` tag) with wp-load.php loaded, as the admin; answers its output. */
  php(code: string): Promise<string>;
  /** Stops the web server (as if the origin went down); the site stays. */
  stop(): Promise<void>;
  /** Starts the web server again on the same port. */
  start(): Promise<void>;
  /** Stops it, drops its database, removes its config file. */
  destroy(): Promise<void>;
}

export interface WordPressOptions {
  readonly title?: string;
}

const run = promisify(execFile);

/**
 * A real WordPress (Debian's package, Twenty Twenty-One, pretty permalinks, no posts) on
 * PHP's built-in server, with its own MariaDB database and its own
 * /etc/wordpress/config-gh-test-<unique>.php: tests put in posts and read the pages
 * WordPress itself renders.
 */
export async function startWordPress(options: WordPressOptions = {}): Promise<TestWordPress> {
  const unique = randomBytes(5).toString('hex');
  const site: Site = {
    config: `gh-test-${unique}`,
    database: `gh_test_${unique}`,
    port: await TestRedisServer.freePort(),
  };
  const url = `http://127.0.0.1:${site.port}`;
  fs.writeFileSync(configFile(site), configSource(site, url), { mode: 0o600 });
  let server: PhpServer | undefined;
  const destroy = async (): Promise<void> => {
    await server?.stop();
    server = undefined;
    await run('mariadb', ['-uroot', '-e', `DROP DATABASE IF EXISTS \`${site.database}\``]);
    fs.rmSync(configFile(site), { force: true });
  };
  try {
    await run('mariadb', ['-uroot', '-e', `CREATE DATABASE \`${site.database}\``]);
    await runPhp(site, ['install'], '', { GH_WORDPRESS_TITLE: options.title ?? 'Gatehouse Test Blog' });
    server = await PhpServer.start(site);
  } catch (error) {
    await destroy();
    throw error;
  }
  const savePost = async (fields: WordPressPostFields, id: number): Promise<WordPressPost> => {
    const { paragraphs, ...rest } = fields;
    const content = fields.content ?? paragraphs?.map((p) => `<p>${p}</p>`).join('\n\n');
    return JSON.parse(await runPhp(site, [], `gh_save_post(${phpValue({ ...rest, content })}, ${id});`)) as WordPressPost;
  };
  return {
    url,
    port: site.port,
    insertPost: (post) => savePost(post, 0),
    updatePost: (id, fields) => savePost(fields, id),
    setOption: async (name, value) => void (await runPhp(site, [], `gh_set_option(${phpValue(name)}, ${phpValue(value)});`)),
    php: (code) => runPhp(site, [], code),
    async stop() {
      await server?.stop();
      server = undefined;
    },
    async start() {
      server ??= await PhpServer.start(site);
    },
    destroy,
  };
}

interface Site {
  readonly config: string;
  readonly database: string;
  readonly port: number;
}

function configFile(site: Site): string {
  return `/etc/wordpress/config-${site.config}.php`;
}

/** What Debian's wp-config.php loads for this site; no cron, updates or outgoing HTTP. */
function configSource(site: Site, url: string): string {
  const salts = ['AUTH_KEY', 'SECURE_AUTH_KEY', 'LOGGED_IN_KEY', 'NONCE_KEY', 'AUTH_SALT', 'SECURE_AUTH_SALT', 'LOGGED_IN_SALT', 'NONCE_SALT'];
  const constants: Record<string, string | boolean> = {
    DB_NAME: site.database,
    DB_USER: 'root',
    DB_PASSWORD: '',
    DB_HOST: 'localhost',
    WP_HOME: url,
    WP_SITEURL: url,
    // Debian's content directory, where wordpress-theme-twentytwentyone links its theme.
    WP_CONTENT_DIR: '/var/lib/wordpress/wp-content',
    DISABLE_WP_CRON: true,
    AUTOMATIC_UPDATER_DISABLED: true,
    WP_HTTP_BLOCK_EXTERNAL: true,
    // A fatal error shows as PHP's own message, not a "critical error" page that mails the admin.
    WP_DISABLE_FATAL_ERROR_HANDLER: true,
    ...Object.fromEntries(salts.map((name) => [name, randomBytes(24).toString('hex')])),
  };
  const lines = Object.entries(constants).map(([name, value]) => `define(${phpValue(name)}, ${phpValue(value)});`);
  return `<?php\n// A test WordPress of Gatehouse (test/support/wordpress.ts); removed when the test ends.\n${lines.join('\n')}\n`;
}

/** A PHP expression for a JSON value: decoded in PHP, so nothing needs PHP-escaping. */
function phpValue(value: unknown): string {
  return `json_decode(base64_decode('${Buffer.from(JSON.stringify(value)).toString('base64')}'), true)`;
}

/** php-cli with the site's WordPress loaded (test/support/wordpress/run.php); rejects on failure. */
function runPhp(site: Site, args: string[], code: string, env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('php', [path.join(scripts, 'run.php'), ...args], {
      env: { ...process.env, ...env, GH_WORDPRESS_CONFIG: site.config, GH_WORDPRESS_HOST: `127.0.0.1:${site.port}` },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const stdout = Buffer.concat(out).toString();
      if (code === 0) resolve(stdout);
      else reject(new Error(`php exited with ${code}: ${Buffer.concat(err).toString()}${stdout.slice(-2_000)}`));
    });
    child.stdin.end(code);
  });
}

/**
 * `php -S` with four workers and the router. The workers are forked by the server and would
 * outlive it, so a shell holds the whole process group: it dies with the test worker
 * (parent-death signal) and then kills the group; `stop` kills the group itself.
 */
class PhpServer {
  private log = '';

  private constructor(
    private readonly child: ChildProcess,
    private readonly port: number,
  ) {
    child.stderr!.on('data', (chunk: Buffer) => (this.log = (this.log + chunk.toString()).slice(-4_000)));
  }

  static async start(site: Site): Promise<PhpServer> {
    const serve = `php -S 127.0.0.1:${site.port} -t ${wordpressRoot} ${path.join(scripts, 'router.php')}`;
    const child = spawn('setpriv', ['--pdeathsig', 'SIGTERM', '--', 'sh', '-c', `trap 'kill -KILL 0' TERM; ${serve} & wait`], {
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, PHP_CLI_SERVER_WORKERS: '4', GH_WORDPRESS_CONFIG: site.config },
    });
    const server = new PhpServer(child, site.port);
    try {
      await server.until(true);
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      process.kill(-this.child.pid!, 'SIGKILL');
      await exited;
    }
    await this.until(false);
  }

  /** Waits until the port accepts connections (`listening`) or refuses them. */
  private async until(listening: boolean): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (listening && this.child.exitCode !== null) throw new Error(`php -S exited: ${this.log}`);
      if ((await accepts(this.port)) === listening) return;
      if (Date.now() > deadline) throw new Error(`php -S on ${this.port} did not ${listening ? 'listen' : 'stop'}: ${this.log}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

const fillerWords = (
  'the council report budget inquiry records show officials water contract later review city ' +
  'residents said documents private public fund year million audit office former minister plan ' +
  'river housing school police court hospital data letter meeting agency board questions evidence ' +
  'staff weeks months local national border energy prices figures study found claims deal signed'
).split(' ');

/**
 * `count` paragraphs of about thirty words; paragraph i carries the marker `${prefix}p${i}x`
 * (letters and digits: it survives HTML and text normalisation), so a test can tell which
 * paragraphs reached a reader. Words are drawn from a fixed list with a generator seeded by
 * prefix and index: paragraphs practically never share a run of six words, so their fingerprints differ.
 */
export function markerParagraphs(prefix: string, count: number): string[] {
  if (!/^[a-z0-9]+$/i.test(prefix)) throw new Error(`marker prefix must be letters and digits: ${prefix}`);
  return Array.from({ length: count }, (_, index) => {
    const next = seededRandom(`${prefix}:${index}`);
    const words = Array.from({ length: 29 }, () => fillerWords[Math.floor(next() * fillerWords.length)]!);
    words.splice(3, 0, `${prefix}p${index + 1}x`);
    const sentence = words.join(' ');
    return `${sentence[0]!.toUpperCase()}${sentence.slice(1)}.`;
  });
}

/** mulberry32 seeded by an FNV-1a hash of `seed`. */
function seededRandom(seed: string): () => number {
  let state = 0x811c9dc5;
  for (const char of seed) state = Math.imul(state ^ char.charCodeAt(0), 0x01000193);
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
