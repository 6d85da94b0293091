import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import type { AddressInfo } from 'node:net';

export interface TestUser {
  readonly sub: string;
  readonly email?: string;
  readonly email_verified?: boolean | string;
}

export interface RunningProvider {
  readonly issuer: string;
  /** Who signs in at the next interaction; `'deny'` answers access_denied. */
  nextLogin(user: TestUser | 'deny'): Promise<void>;
  stop(): Promise<void>;
}

export interface ProviderOptions {
  readonly clients: readonly { client_id: string; client_secret: string; redirect_uris: string[] }[];
  /** Shifts the provider's clock: -2 h gives ID tokens that expired an hour ago. */
  readonly clockOffsetMs?: number;
  /** Email claims in the ID token, as Apple and Google send them, rather than only from userinfo. */
  readonly idTokenClaims?: boolean;
  /** A port of the test's choosing; by default the provider takes a free one. */
  readonly port?: number;
}

const script = path.join(__dirname, 'op.mjs');

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** node oidc-provider in its own process on a loopback port; resolves once it listens. */
export function startOpenIdProvider(options: ProviderOptions): Promise<RunningProvider> {
  const child = spawn(process.execPath, ['--no-warnings', script], {
    env: {
      ...process.env,
      OP_CLIENTS: JSON.stringify(options.clients),
      OP_CLOCK_OFFSET_MS: String(options.clockOffsetMs ?? 0),
      OP_ID_TOKEN_CLAIMS: options.idTokenClaims ? '1' : '',
      OP_PORT: String(options.port ?? 0),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    let stdout = '';
    child.once('exit', (code) => reject(new Error(`the OpenID Provider exited (${code}): ${stderr}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n')[0];
      if (!stdout.includes('\n') || line === undefined) return;
      const { port } = JSON.parse(line) as { port: number };
      const issuer = `http://127.0.0.1:${port}`;
      resolve({
        issuer,
        async nextLogin(user) {
          const response = await fetch(`${issuer}/_test/next-login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(user === 'deny' ? { deny: true } : user) });
          if (response.status !== 204) throw new Error(`could not queue the login: ${response.status}`);
        },
        stop: () => stopChild(child),
      });
    });
  });
}

/** Where the provider sends the browser back: a GET to the callback, or (form_post) a POST of these fields. */
export type ProviderAnswer = { readonly method: 'GET'; readonly url: URL } | { readonly method: 'POST'; readonly url: URL; readonly fields: Record<string, string> };

const decode = (value: string) => value.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/**
 * Plays the browser at the provider: follows its redirects (with its cookies, in a jar of
 * this login's own) from the authorization URL until it sends the reader back to `appBase`.
 */
export async function loginAtProvider(authorizationUrl: string, appBase: string): Promise<ProviderAnswer> {
  const jar = new Map<string, string>();
  let url = new URL(authorizationUrl);
  for (let hop = 0; hop < 10; hop++) {
    if (url.href.startsWith(appBase)) return { method: 'GET', url };
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    for (const set of response.headers.getSetCookie()) {
      const [pair] = set.split(';');
      const at = pair!.indexOf('=');
      jar.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
    const location = response.headers.get('location');
    if (location !== null) {
      url = new URL(location, url);
      continue;
    }
    const html = await response.text();
    const form = /<form[^>]*method="post"[^>]*action="([^"]+)"/i.exec(html);
    if (response.status === 200 && form) {
      const fields: Record<string, string> = {};
      for (const input of html.matchAll(/<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"/gi)) fields[input[1]!] = decode(input[2]!);
      return { method: 'POST', url: new URL(decode(form[1]!)), fields };
    }
    throw new Error(`the provider answered ${response.status} at ${url.pathname}: ${html.slice(0, 500)}`);
  }
  throw new Error('too many redirects at the provider');
}

/** A server that accepts connections and never answers: a provider that hangs. */
export function startHangingServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
