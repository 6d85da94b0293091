import http, { type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';

export interface StaticRoute {
  /** Default 200. */
  readonly status?: number;
  /** Default content-type 'text/html; charset=utf-8'. An ETag or Last-Modified here is honoured (304). */
  readonly headers?: OutgoingHttpHeaders;
  readonly body: string | Buffer;
  /** Compressed whatever the request accepts, as some origins do. */
  readonly gzip?: boolean;
  readonly brotli?: boolean;
  /** Answers after this long (real time: for timeouts and a slow origin). */
  readonly delayMs?: number;
}

export interface OriginRequest {
  readonly method: string;
  /** Path and query as received. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface StaticOrigin {
  /** 'http://127.0.0.1:<port>' */
  readonly url: string;
  readonly port: number;
  /** Every request received, oldest first. */
  readonly requests: OriginRequest[];
  /** Sets (or replaces) what `path` answers. A key with a query matches that query only; one without matches any. */
  route(path: string, route: StaticRoute): void;
  unroute(path: string): void;
  /** How many requests `path` matched (same rule as routes). */
  hits(path: string): number;
  /** Stops listening and drops open connections: the origin is down. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** A scriptable origin for Gatehouse's proxy tests: routes, a request log, down and up again. */
export async function startStaticOrigin(): Promise<StaticOrigin> {
  const routes = new Map<string, StaticRoute>();
  const requests: OriginRequest[] = [];
  const pending = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = req.url ?? '/';
      requests.push({ method: req.method ?? 'GET', url, headers: req.headers, body: Buffer.concat(chunks) });
      const route = routeFor(routes, url);
      if (route === undefined) return void res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found');
      const timer = setTimeout(() => {
        pending.delete(timer);
        answer(route, req.headers, res);
      }, route.delayMs ?? 0);
      pending.add(timer);
    });
  });
  let port = 0;
  const start = (): Promise<void> =>
    new Promise((resolve, reject) => {
      if (server.listening) return resolve();
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        port = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      for (const timer of pending) clearTimeout(timer);
      pending.clear();
      if (!server.listening) return resolve();
      server.close(() => resolve());
      server.closeAllConnections();
    });
  await start();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    route: (path, route) => void routes.set(path, route),
    unroute: (path) => void routes.delete(path),
    hits: (path) => requests.filter((request) => matches(path, request.url)).length,
    stop,
    start,
    close: stop,
  };
}

function matches(key: string, url: string): boolean {
  return key.includes('?') ? key === url : key === url.split('?')[0];
}

/** The route whose key is the whole URL, else the one whose key is its path. */
function routeFor(routes: Map<string, StaticRoute>, url: string): StaticRoute | undefined {
  return routes.get(url) ?? routes.get(url.split('?')[0]!);
}

function answer(route: StaticRoute, requestHeaders: IncomingHttpHeaders, res: http.ServerResponse): void {
  const given = Object.entries(route.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]);
  const headers: OutgoingHttpHeaders = { 'content-type': 'text/html; charset=utf-8', ...Object.fromEntries(given) };
  if (notModified(headers, requestHeaders)) return void res.writeHead(304, headers).end();
  let body = Buffer.from(route.body);
  if (route.gzip) {
    body = zlib.gzipSync(body);
    headers['content-encoding'] = 'gzip';
  } else if (route.brotli) {
    body = zlib.brotliCompressSync(body);
    headers['content-encoding'] = 'br';
  }
  headers['content-length'] = body.length;
  res.writeHead(route.status ?? 200, headers).end(body);
}

function notModified(headers: OutgoingHttpHeaders, request: IncomingHttpHeaders): boolean {
  if (request['if-none-match'] !== undefined) return headers.etag !== undefined && request['if-none-match'] === headers.etag;
  return request['if-modified-since'] !== undefined && request['if-modified-since'] === headers['last-modified'];
}
