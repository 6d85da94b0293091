import http from 'node:http';
import express from 'express';
import type { Role } from './processes';
import { answerCpu } from './readings';
import { createHttpServer } from '../../src/http/server';

/** A page as the app sent it: the body and the headers that describe it. */
export interface CapturedPage {
  readonly body: string;
  readonly headers: Record<string, string | string[]>;
}

// Per-connection and per-response headers each server writes itself.
const ownHeaders = new Set(['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding']);

/** Fetches one rendered page from the app, to be served byte for byte by the bare servers. */
export async function capturePage(url: string, cookie?: string): Promise<CapturedPage> {
  const response = await fetch(url, { headers: cookie ? { cookie } : {} });
  if (response.status !== 200) throw new Error(`capturing ${url}: ${response.status}`);
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (!ownHeaders.has(name) && name !== 'set-cookie') headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  return { body: await response.text(), headers };
}

/**
 * The limits a gated view is measured against, each in its own child: `bare-node` writes the
 * captured bytes from node:http (the floor of any Node server), `bare-express` answers them
 * from one Express 5 route with its defaults (ETag included), as the simplest Express site
 * would; `bare-express-born` is that route on the server Gatehouse itself runs on
 * (src/http/server.ts: requests made with Express's prototypes), showing what that alone is worth.
 */
export async function serveBare(role: Extract<Role, 'bare-node' | 'bare-express' | 'bare-express-born'>): Promise<void> {
  const page = await new Promise<CapturedPage>((resolve) => {
    process.once('message', (m) => resolve((m as { page: CapturedPage }).page));
    process.send!({ ready: true });
  });
  const body = Buffer.from(page.body);
  let server: http.Server;
  if (role === 'bare-node') {
    server = http.createServer((_req, res) => {
      res.writeHead(200, { ...page.headers, 'content-length': body.length });
      res.end(body);
    });
  } else {
    const app = express();
    const { etag: _etag, ...headers } = page.headers;
    app.get('/article', (_req, res) => {
      res.set(headers).send(page.body);
    });
    server = role === 'bare-express-born' ? createHttpServer(app) : http.createServer(app);
  }
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.send!({ port: typeof address === 'object' && address ? address.port : 0 });
  });
  process.on('message', (message) => {
    answerCpu(message);
    if (message === 'stop') server.close(() => process.exit(0));
  });
}

export const barePath = '/article';
