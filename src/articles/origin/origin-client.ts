import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { promisify } from 'node:util';
import { Pool, type Dispatcher } from 'undici';
import type { OriginConfig } from '../../config/config';
import type { OriginResponse } from './origin-cache';
import { withoutGiftParam } from './origin-rules';

export type Headers = Readonly<Record<string, string | readonly string[]>>;

/** Headers of one connection, never of the message (RFC 9110 section 7.6.1). */
const hopByHop = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/**
 * What of a reader's request reaches the origin: an allow-list, so that no credential, client
 * address a plugin might trust (True-Client-IP, X-Client-IP), rewrite or override header
 * (X-Original-URL, X-HTTP-Method-Override) gets through; Gatehouse sets the forwarding ones.
 */
const forwarded = new Set(['accept', 'accept-language', 'content-type', 'content-length', 'user-agent', 'referer', 'origin', 'cache-control', 'pragma', 'dnt', 'x-requested-with']);

/** Conditional and partial requests could revive or slice a full copy of an article: only static files keep them. */
const conditional = new Set(['if-none-match', 'if-modified-since', 'if-match', 'if-unmodified-since', 'if-range', 'range']);

const inflaters: Record<string, (body: Buffer) => Promise<Buffer>> = {
  gzip: promisify(zlib.gunzip),
  'x-gzip': promisify(zlib.gunzip),
  deflate: (body) => promisify(zlib.inflate)(body).catch(() => promisify(zlib.inflateRaw)(body)),
  br: promisify(zlib.brotliDecompress),
};

export class OriginUnavailable extends Error {
  constructor(readonly reason: string) {
    super(`the origin did not answer: ${reason}`);
    this.name = 'OriginUnavailable';
  }
}

export class OriginBodyTooLarge extends Error {
  constructor() {
    super('the origin response is larger than Gatehouse reads');
    this.name = 'OriginBodyTooLarge';
  }
}

function headerList(value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : [...value];
}

/** Drops the hop-by-hop headers, and those a Connection header names. */
export function endToEnd(headers: Headers): Record<string, string | readonly string[]> {
  const named = new Set(headerList(headers.connection).flatMap((v) => v.split(',').map((n) => n.trim().toLowerCase())));
  const out: Record<string, string | readonly string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (!hopByHop.has(lower) && !named.has(lower)) out[lower] = value;
  }
  return out;
}

/** Undoes each Content-Encoding, last applied first; an unknown coding is refused. */
export async function decodeBody(body: Buffer, contentEncoding: string | readonly string[] | undefined): Promise<Buffer> {
  const codings = headerList(contentEncoding)
    .flatMap((v) => v.split(','))
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
  let decoded = body;
  for (const coding of codings.reverse()) {
    const inflate = inflaters[coding];
    if (inflate === undefined) throw new OriginUnavailable(`unsupported Content-Encoding ${coding}`);
    decoded = await inflate(decoded);
  }
  return decoded;
}

export async function readBounded(body: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      // undici reports the destroyed body as an 'error' event: heard here, not uncaught.
      body.on('error', () => undefined);
      body.destroy();
      throw new OriginBodyTooLarge();
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, size);
}

export interface PassThroughRequest {
  readonly method: string;
  /** Path and query, already tidied (origin-rules' readTarget). */
  readonly target: string;
  readonly headers: Headers;
  readonly clientAddress: string;
  readonly body?: Readable;
  /** Keep the reader's conditional and Range headers (static files only). */
  readonly keepConditionals: boolean;
}

export interface PassThroughReply {
  readonly status: number;
  readonly headers: Headers;
  /** The origin's bytes as sent, Content-Encoding and all. */
  readonly body: Readable;
}

/**
 * The one way to the origin: a fixed host, a bounded pool, a timeout on the whole exchange,
 * the origin secret on every request, and none of the reader's cookies or credentials.
 */
export class OriginClient {
  private readonly pool: Pool;
  private readonly forwardedHost: string;
  private readonly forwardedProto: string;

  constructor(
    private readonly config: OriginConfig,
    publicUrl: URL,
    private readonly maxReadBytes = 32 * 1024 * 1024,
  ) {
    this.pool = new Pool(config.url.origin, {
      connections: config.connections,
      headersTimeout: config.timeoutMs,
      bodyTimeout: config.timeoutMs,
      connectTimeout: config.timeoutMs,
    });
    this.forwardedHost = publicUrl.host;
    this.forwardedProto = publicUrl.protocol.replace(':', '');
  }

  private baseHeaders(clientAddress: string | undefined): Record<string, string> {
    const headers: Record<string, string> = { host: this.config.url.host, 'x-forwarded-host': this.forwardedHost, 'x-forwarded-proto': this.forwardedProto };
    if (clientAddress !== undefined) headers['x-forwarded-for'] = clientAddress;
    if (this.config.secret !== undefined) headers['x-gatehouse-origin-secret'] = this.config.secret;
    return headers;
  }

  /**
   * One exchange, answered within ORIGIN_TIMEOUT_MS: `whole` bounds the body too (pages read
   * into the cache); otherwise only the wait for the headers (a large file streams on, with
   * undici's idle bodyTimeout).
   */
  private async send(options: Omit<Dispatcher.RequestOptions, 'origin'>, whole: boolean): Promise<Dispatcher.ResponseData> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(new Error(`no answer within ${this.config.timeoutMs} ms`)), this.config.timeoutMs);
    try {
      const reply = await this.pool.request({ ...options, signal: abort.signal });
      if (whole) reply.body.once('close', () => clearTimeout(timer));
      else clearTimeout(timer);
      return reply;
    } catch (error) {
      clearTimeout(timer);
      throw new OriginUnavailable((error as Error).message);
    }
  }

  /**
   * A GET for the shared cache: the same headers whoever asked (so one copy serves every
   * reader), no conditionals, the body read whole (bounded) and decoded.
   */
  async fetchForCache(target: string): Promise<OriginResponse> {
    const reply = await this.send({
      method: 'GET',
      path: target,
      headers: { ...this.baseHeaders(undefined), accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'accept-encoding': 'gzip, deflate, br', 'user-agent': 'Gatehouse' },
    }, true);
    let raw: Buffer;
    try {
      raw = await readBounded(reply.body, this.maxReadBytes);
    } catch (error) {
      if (error instanceof OriginBodyTooLarge) throw error;
      throw new OriginUnavailable((error as Error).message);
    }
    const headers = endToEnd(reply.headers as Headers);
    // One copy serves every reader: an origin cookie in it would be everyone's. Only cookies
    // the publisher passes survive, and an answer with one is kept by no cache.
    const cookies = headerList(headers['set-cookie']).filter((cookie) => this.config.passCookies.includes(cookie.split('=')[0]!.trim()));
    delete headers['set-cookie'];
    if (cookies.length > 0) {
      headers['set-cookie'] = cookies;
      headers['cache-control'] = 'private, no-store';
    }
    let body: Buffer;
    try {
      body = await decodeBody(raw, headers['content-encoding']);
    } catch (error) {
      throw error instanceof OriginUnavailable ? error : new OriginUnavailable(`a body that does not decode: ${(error as Error).message}`);
    }
    delete headers['content-encoding'];
    delete headers['content-length'];
    return { status: reply.statusCode, headers, body };
  }

  /** A reader's request passed on: its method, body (streamed) and harmless headers. */
  async passThrough(request: PassThroughRequest): Promise<PassThroughReply> {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      const lower = name.toLowerCase();
      if (!forwarded.has(lower) && !(request.keepConditionals && (conditional.has(lower) || lower === 'accept-encoding'))) continue;
      // A page read by a gift link is the referrer of its own files: the token stays with Gatehouse.
      headers[lower] = typeof value === 'string' ? (lower === 'referer' ? withoutGiftParam(value) : value) : [...value];
    }
    Object.assign(headers, this.baseHeaders(request.clientAddress));
    // A file streams to the reader as the origin encoded it, for what the reader accepts; any
    // other answer is read to be cut, in an encoding Gatehouse decodes.
    if (!request.keepConditionals) headers['accept-encoding'] = 'gzip, deflate, br';
    const reply = await this.send({ method: request.method as Dispatcher.HttpMethod, path: request.target, headers, body: request.body ?? null }, false);
    return { status: reply.statusCode, headers: endToEnd(reply.headers as Headers), body: reply.body };
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
