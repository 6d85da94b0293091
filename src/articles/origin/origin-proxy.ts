import type { Request, RequestHandler, Response } from 'express';
import { pipeline, Transform, type Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { OriginConfig } from '../../config/config';
import { AppError } from '../../http/app-error';
import { clientAddress } from '../../http/network';
import { isFullAccess, type GatedArticle, type GateResult } from '../../meter/meter.module';
import { noticeFor } from '../article-page';
import { setDecisionHeaders } from '../articles.controller';
import type { ArticleGate, PlansForDisplay } from '../ports';
import type { VisitorOf } from '../visitor';
import { cutFeed, feedItemLinks } from './feed';
import { analysePage, type ArticlePage, type OriginPage, type PageAnalysisOptions } from './html-page';
import { scrubJson } from './json-scrub';
import type { KnownArticles } from './known-articles';
import { decodeBody, OriginBodyTooLarge, OriginUnavailable, readBounded, type Headers, type OriginClient } from './origin-client';
import { matches } from './fingerprints';
import { htmlToText } from './source-dom';
import type { CacheEntry, OriginCache, OriginResponse } from './origin-cache';
import { readTarget, type OriginRules, type RequestTarget, withoutGiftParam } from './origin-rules';

export { withoutGiftParam } from './origin-rules';

/** What the proxy renders per reader: the account bar and the gate, from Gatehouse's templates. */
export interface OriginChrome {
  /** `giftPath`: a subscriber's article page, which carries "Gift this article" for that path. */
  accountBar(req: Request, res: Response, options?: { readonly giftPath?: string }): Promise<string>;
  /** Below a gifted article, for a reader not signed in: the sign-up offer. */
  giftOffer(req: Request, res: Response, returnTo: string): Promise<string>;
  /** `forms`: false for a link preview, which posts nothing and is given no cookie (no CSRF token). */
  gate(req: Request, res: Response, model: { readonly result: GateResult; readonly access: GatedArticle['access']; readonly returnTo: string; readonly forms: boolean }): Promise<string>;
}

export interface OriginProxyDeps {
  readonly messages: import('../../http/i18n').Messages;
  readonly config: OriginConfig;
  readonly publicUrl: URL;
  readonly client: OriginClient;
  readonly cache: OriginCache;
  readonly rules: OriginRules;
  readonly known: KnownArticles;
  readonly gate: ArticleGate;
  readonly visitorOf: VisitorOf;
  readonly chrome: OriginChrome;
  readonly logger: Logger;
  /** THEME_DIR's theme.css, linked after origin.css. */
  readonly themeStylesheet?: string;
}

type Kind = 'html' | 'feed' | 'json' | 'text' | 'other';

/** The methods passed on to the origin; any other is a 405. */
const forwardedMethods = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** The most of a passed-on answer (a POST's) that is read to be cut or scrubbed. */
const readLimit = 32 * 1024 * 1024;

/** Files that are never an article's text: passed straight through, conditionals and ranges kept. */
const staticFile = /\.(?:css|js|mjs|map|png|jpe?g|gif|webp|avif|svg|ico|woff2?|ttf|otf|eot|mp4|webm|mp3|ogg|wav|pdf|zip|gz|txt)$/i;

/** Origin response headers that never reach a reader as they are. */
const replacedHeaders = ['set-cookie', 'content-length', 'content-encoding', 'etag', 'last-modified', 'content-type'];

function mediaType(headers: Headers): string {
  const value = headers['content-type'];
  return (typeof value === 'string' ? value : (value?.[0] ?? '')).split(';')[0]!.trim().toLowerCase();
}

/** An origin page labelled as no type, bytes or plain text: told by how it begins. */
function looksLikeHtml(body: Buffer | undefined): boolean {
  return /^\s*(?:<!doctype\s+html|<html[\s>])/i.test(body?.subarray(0, 512).toString('latin1') ?? '');
}

function kindOf(headers: Headers, body?: Buffer): Kind {
  const type = mediaType(headers);
  // A page the origin mislabels is still a page: it must not pass uncut.
  if ((type === '' || type === 'application/octet-stream' || type === 'text/plain') && looksLikeHtml(body)) return 'html';
  if (type === 'application/octet-stream') return 'text';
  if (type === 'text/html' || type === 'application/xhtml+xml') return 'html';
  if (type === 'application/rss+xml' || type === 'application/atom+xml' || type === 'application/rdf+xml') return 'feed';
  if (type === 'application/xml' || type === 'text/xml') {
    // WordPress serves its feeds as application/rss+xml, others as plain XML: look at the root.
    const head = body?.subarray(0, 512).toString('latin1') ?? '';
    return /<(rss|feed|rdf:RDF)[\s>]/.test(head) ? 'feed' : 'text';
  }
  if (type === 'application/json' || type.endsWith('+json')) return 'json';
  // Anything else that may carry an article's words (JSONP, plain text, XML): checked whole.
  if ((type.startsWith('text/') && type !== 'text/css') || type.endsWith('javascript') || type.endsWith('+xml') || type === '') return 'text';
  return 'other';
}

/** The body as text in its declared charset (the header's, else the document's own `<meta charset>`), else UTF-8. */
function textOf(response: OriginResponse): string {
  const declared = /charset\s*=\s*"?([\w-]+)/i.exec(String(response.headers['content-type'] ?? ''))?.[1];
  const sniffed = declared ?? /<meta[^>]+charset\s*=\s*["']?([\w-]+)/i.exec(response.body.subarray(0, 1024).toString('latin1'))?.[1];
  try {
    return new TextDecoder(sniffed ?? 'utf-8').decode(response.body);
  } catch {
    return new TextDecoder('utf-8').decode(response.body);
  }
}

/**
 * Gatehouse in front of a CMS (SPEC section 11): every request that is not one of
 * Gatehouse's own goes to the origin, and what comes back is cut, scrubbed or passed on.
 */
export interface OriginProxy {
  readonly handler: RequestHandler;
  /** The decision a GET of this origin path would get now, counting nothing; undefined when it is not an article. */
  decisionAt(req: Request, res: Response, path: string): Promise<GateResult | undefined>;
  /** The origin article at this path (its identity, tidied path and title), or undefined: what a gift link is made for. */
  articleAt(path: string): Promise<{ readonly identity: string; readonly path: string; readonly title: string } | undefined>;
}

export function originProxy(deps: OriginProxyDeps): OriginProxy {
  const { config, cache, client, rules, known } = deps;
  const hosts = new Set([deps.publicUrl.host, config.url.host]);
  const analysis: PageAnalysisOptions = {
    articleSelector: config.articleSelector,
    cms: config.cms,
    accountBarSelector: config.accountBarSelector,
    canonicalHosts: [...hosts],
    stylesheetHrefs: ['/gatehouse/origin.css', ...(deps.themeStylesheet === undefined ? [] : [deps.themeStylesheet])],
    publicOrigin: deps.publicUrl.origin,
    linkOrigins: { from: config.url.origin, to: deps.publicUrl.origin },
  };

  /** The parsed page of a cached response, parsed once per instance and entry. */
  function pageOf(entry: CacheEntry | { response: OriginResponse; derived: Map<string, unknown> }, path: string): OriginPage {
    const memo = `page:${path}`;
    let page = entry.derived.get(memo) as OriginPage | undefined;
    if (page === undefined) {
      page = analysePage(textOf(entry.response), path, analysis);
      // An article is a page at an article path (its own or its canonical one).
      if (page.kind === 'article' && entry.response.status === 200 && !rules.isArticlePath(path) && !rules.isArticlePath(page.identity)) page = analysePage(textOf(entry.response), path, { ...analysis, articleSelector: ':not(*)' });
      entry.derived.set(memo, page);
    }
    return page;
  }

  function isArticle(page: OriginPage, status: number): page is ArticlePage {
    return page.kind === 'article' && status === 200;
  }

  async function cached(target: string): Promise<CacheEntry> {
    try {
      return (await cache.get(target, () => client.fetchForCache(target))).entry;
    } catch (error) {
      if (error instanceof OriginUnavailable) throw new AppError(502, 'The site could not be reached just now. Please try again in a minute.');
      if (error instanceof OriginBodyTooLarge) throw new AppError(502, 'This page is larger than we can show.');
      throw error;
    }
  }

  /** A path of this site for a link as an origin page or feed writes it, or undefined for elsewhere. */
  function localPath(link: string, base: string): string | undefined {
    try {
      const url = new URL(link, new URL(base, deps.publicUrl));
      if (!hosts.has(url.host)) return undefined;
      return readTarget(url.pathname)?.path;
    } catch {
      return undefined;
    }
  }

  /** Reads (through the cache) the articles a listing or feed may carry, a few at a time, so their fingerprints are known. */
  async function pagesAt(paths: readonly string[]): Promise<Map<string, OriginPage | undefined>> {
    const pages = new Map<string, OriginPage | undefined>();
    const queue = [...new Set(paths)].slice(0, 50);
    const worker = async () => {
      for (let path = queue.shift(); path !== undefined; path = queue.shift()) {
        const entry = await cached(path).catch(() => undefined);
        const page = entry === undefined ? undefined : pageOf(entry, path);
        pages.set(path, page !== undefined && isArticle(page, entry!.response.status) ? page : undefined);
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    await known.learnAll([...pages.values()]);
    return pages;
  }

  /** Whether this reader may read every article (a subscriber or institution): then nothing needs scrubbing. */
  async function readsEverything(req: Request, res: Response): Promise<boolean> {
    if (req.user === undefined) return false;
    const premium: GatedArticle = { slug: '-', section: '', access: 'premium' };
    const visit = await deps.visitorOf(req, res, 'peek', premium);
    return isFullAccess((await deps.gate.decide(premium, visit.reader, 'peek')).decision);
  }

  function readerHeaders(res: Response, headers: Headers, transformed: boolean): void {
    for (const [name, value] of Object.entries(headers)) {
      if (transformed ? replacedHeaders.includes(name) : name === 'set-cookie') continue;
      // What Gatehouse answers depends on the reader's cookies: no other site may read it with
      // them, and an answer made for this reader (a page, JSON) carries no CORS grant at all.
      if (name === 'access-control-allow-credentials' || (transformed && name.startsWith('access-control-'))) continue;
      if (name === 'location') res.set('Location', rewriteLocation(String(value)));
      // Express takes one Content-Type (and would add a charset to a text one): set it as sent.
      else if (name === 'content-type') res.setHeader('Content-Type', typeof value === 'string' ? value : (value[0] ?? 'application/octet-stream'));
      else res.set(name, value as string | string[]);
    }
    const cookies = headers['set-cookie'];
    for (const cookie of cookies === undefined ? [] : typeof cookies === 'string' ? [cookies] : cookies) {
      const name = cookie.split('=')[0]!.trim();
      if (config.passCookies.includes(name)) res.append('Set-Cookie', cookie);
    }
  }

  /** Redirects to the origin's own host become redirects on Gatehouse's. */
  function rewriteLocation(location: string): string {
    try {
      const url = new URL(location, config.url);
      if (url.host !== config.url.host) return location;
      return new URL(`${url.pathname}${url.search}${url.hash}`, deps.publicUrl).href;
    } catch {
      return location;
    }
  }

  /** A page whole, or as parts: written corked (end() uncorks), so that they leave in one write, never joined in memory. */
  function sendHtml(res: Response, status: number, html: string | readonly Buffer[], head: boolean): void {
    res.status(status).type('text/html; charset=utf-8');
    res.vary('Cookie');
    if (head) {
      res.end();
      return;
    }
    const parts = typeof html === 'string' ? [Buffer.from(html, 'utf8')] : html;
    res.set('Content-Length', String(parts.reduce((bytes, part) => bytes + part.length, 0)));
    res.cork();
    for (const part of parts) if (part.length > 0) res.write(part);
    res.end();
  }

  async function serveArticle(req: Request, res: Response, target: RequestTarget, page: ArticlePage, response: OriginResponse, countable: boolean): Promise<void> {
    const article: GatedArticle = { slug: page.identity, section: page.section, access: page.access };
    const peek = req.method === 'HEAD' || !countable;
    const visit = await deps.visitorOf(req, res, peek ? (req.method === 'HEAD' ? 'preview' : 'peek') : 'count', article);
    const result = await deps.gate.decide(article, visit.reader, visit.mode);
    const standing = await known.learn(page);
    readerHeaders(res, response.headers, true);
    res.removeHeader('Cache-Control');
    res.removeHeader('Expires');
    setDecisionHeaders(res, result);
    // Only a free article to an anonymous reader may sit in a shared cache, under the origin's rule.
    if (result.decision === 'free' && req.user === undefined && response.headers['cache-control'] !== undefined) res.set('Cache-Control', response.headers['cache-control'] as string);
    // A view the meter does not count (a POST's answer) is whole only where the meter is not
    // involved: otherwise any other method would read metered articles for nothing.
    const full = isFullAccess(result.decision) && (countable || result.decision !== 'metered');
    const teaserParagraphs = standing.teaserParagraphs;
    if (req.method === 'HEAD') return sendHtml(res, 200, '', true);
    const gift = result.decision === 'gift';
    // The gifted address carries its token: nothing on the page may send it on (to the CMS's files, to other sites).
    if (gift) res.set('Referrer-Policy', 'strict-origin');
    const below = full ? (gift && req.user === undefined ? deps.chrome.giftOffer(req, res, req.originalUrl) : '') : deps.chrome.gate(req, res, { result, access: page.access, returnTo: target.path, forms: visit.mode !== 'preview' });
    const [accountBarHtml, gateHtml] = await Promise.all([deps.chrome.accountBar(req, res, result.decision === 'subscriber' ? { giftPath: target.path } : {}), below]);
    const notice = noticeFor(result, deps.messages);
    const institutionLine = result.institution === undefined ? '' : `<p class="gatehouse-notice gatehouse-notice--institution" role="status">${escapeHtml(deps.messages.t('meter.institutionAccess', { name: result.institution.name }))}</p>`;
    const giftLine = gift ? `<p class="gatehouse-notice gatehouse-notice--gift" role="status">${escapeHtml(deps.messages.t('gifts.givenLine'))}</p>` : '';
    const noticeHtml = (notice === undefined ? '' : `<p class="gatehouse-notice" role="status">${escapeHtml(notice)}</p>`) + institutionLine + giftLine;
    sendHtml(res, 200, page.renderParts({ mode: full ? 'full' : 'cut', paywalled: result.decision !== 'free', teaserParagraphs, accountBarHtml, noticeHtml, gateHtml }), false);
  }

  async function serveOtherHtml(req: Request, res: Response, target: RequestTarget, page: OriginPage, response: OriginResponse): Promise<void> {
    if (page.kind !== 'other') throw new Error('an article page is served as an article');
    const everything = await readsEverything(req, res);
    if (!everything) await pagesAt(page.candidateArticleLinks.map((link) => localPath(link, target.path)).filter((p): p is string => p !== undefined));
    readerHeaders(res, response.headers, true);
    res.set('Cache-Control', 'private, no-store');
    if (req.method === 'HEAD') return sendHtml(res, response.status, '', true);
    const accountBarHtml = await deps.chrome.accountBar(req, res);
    sendHtml(res, response.status, page.render({ accountBarHtml, scrub: everything ? undefined : known.set }), false);
  }

  /** A feed has no reader: every gated item is cut to its lead-in, whoever asks (SPEC section 11). */
  async function serveFeed(req: Request, res: Response, target: RequestTarget, entry: CacheEntry | { response: OriginResponse; derived: Map<string, unknown> }): Promise<void> {
    const xml = textOf(entry.response);
    const links = feedItemLinks(xml);
    const paths = new Map(links.map((link) => [link, localPath(link, target.path)]));
    const pages = await pagesAt([...paths.values()].filter((p): p is string => p !== undefined));
    const items = new Map<string, { gated: boolean; leadInHtml: string } | undefined>();
    for (const link of links) {
      const path = paths.get(link);
      const page = path === undefined ? undefined : pages.get(path);
      if (page?.kind !== 'article') {
        items.set(link, undefined);
        continue;
      }
      const standing = await known.learn(page);
      items.set(link, { gated: standing.gated, leadInHtml: standing.gated ? page.leadInHtml(standing.teaserParagraphs) : '' });
    }
    const memo = `feed:${JSON.stringify([...items])}`;
    let cut = entry.derived.get(memo) as string | undefined;
    if (cut === undefined) {
      cut = cutFeed(xml, (link) => items.get(link));
      entry.derived.set(memo, cut);
    }
    readerHeaders(res, entry.response.headers, true);
    res.status(entry.response.status).type(String(entry.response.headers['content-type'] ?? 'application/rss+xml')).set('Content-Type', `${mediaType(entry.response.headers)}; charset=utf-8`);
    if (req.method === 'HEAD') return void res.end();
    res.end(Buffer.from(cut, 'utf8'));
  }

  /** The articles of this site a text names by absolute URL (a CMS API's `link` fields, a JSONP payload). */
  function linkedPaths(text: string): string[] {
    const urls = text.replace(/\\\//g, '/').match(/https?:\/\/[^\s"'<>\\]+/g) ?? [];
    return [...new Set(urls.map((url) => localPath(url, '/')).filter((p): p is string => p !== undefined))];
  }

  async function serveJson(req: Request, res: Response, target: RequestTarget, response: OriginResponse): Promise<void> {
    let body = response.body;
    const everything = await readsEverything(req, res);
    if (!everything) {
      const text = textOf(response);
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        // Not JSON after all: nothing of it is passed on.
        throw new AppError(502, 'The site answered with something we could not read.');
      }
      // The articles it names are learnt first, so their text is known when it is scrubbed.
      await pagesAt(linkedPaths(text).filter((path) => path !== target.path));
      body = Buffer.from(JSON.stringify(scrubJson(value, known.set)), 'utf8');
    }
    readerHeaders(res, response.headers, true);
    // Unscrubbed for a subscriber: no shared cache may keep that copy for anyone else.
    if (everything) res.set('Cache-Control', 'private, no-store');
    res.vary('Cookie');
    res.status(response.status).set('Content-Type', 'application/json; charset=utf-8');
    if (req.method === 'HEAD') return void res.end();
    res.end(body);
  }

  /** Serves a read origin response by what it is. `countable`: a GET the meter may count. */
  async function serve(req: Request, res: Response, target: RequestTarget, entry: CacheEntry | { response: OriginResponse; derived: Map<string, unknown> }, countable: boolean): Promise<void> {
    const { response } = entry;
    // A redirect, or an answer without a body, is passed on as it is (its Location rewritten).
    if ((response.status >= 300 && response.status < 400) || response.status === 204) {
      readerHeaders(res, response.headers, true);
      res.status(response.status).end();
      return;
    }
    const kind = kindOf(response.headers, response.body);
    if (kind === 'html') {
      const page = pageOf(entry, target.path);
      if (isArticle(page, response.status)) return serveArticle(req, res, target, page, response, countable);
      return serveOtherHtml(req, res, target, page, response);
    }
    if (kind === 'feed') return serveFeed(req, res, target, entry);
    if (kind === 'json') return serveJson(req, res, target, response);
    if (kind === 'text' && !(await readsEverything(req, res))) {
      // Text Gatehouse cannot cut paragraph by paragraph: refused whole when it carries a gated article's words.
      const text = textOf(response);
      await pagesAt(linkedPaths(text).filter((path) => path !== target.path));
      if (matches(htmlToText(text), known.set)) throw new AppError(404, 'There is no page at this address.');
    }
    readerHeaders(res, response.headers, false);
    res.removeHeader('content-encoding');
    res.status(response.status);
    if (req.method === 'HEAD') return void res.end();
    res.set('Content-Length', String(response.body.length));
    res.end(response.body);
  }

  /** A static file straight through; false when it turned out to be a page after all. */
  async function streamStatic(req: Request, res: Response, target: RequestTarget): Promise<boolean> {
    const reply = await passThrough(req, target, true, undefined);
    if (kindOf(reply.headers) !== 'other') {
      discard(reply.body);
      return false;
    }
    readerHeaders(res, reply.headers, false);
    res.status(reply.status);
    if (req.method === 'HEAD') {
      discard(reply.body);
      res.end();
      return true;
    }
    streamTo(reply.body, res);
    return true;
  }

  async function passThrough(req: Request, target: RequestTarget, keepConditionals: boolean, body: Readable | undefined) {
    try {
      return await client.passThrough({ method: req.method === 'HEAD' ? 'HEAD' : req.method, target: `${target.path}${target.search}`, headers: req.headers as Headers, clientAddress: clientAddress(req), body, keepConditionals });
    } catch (error) {
      if (error instanceof OriginUnavailable) throw new AppError(502, 'The site could not be reached just now. Please try again in a minute.');
      throw error;
    }
  }

  /** Any other method: the body streamed on (bounded); a page that comes back is never counted, and cut or scrubbed like any other. */
  async function forward(req: Request, res: Response, target: RequestTarget): Promise<void> {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > config.maxBodyBytes) throw new AppError(413, 'That is more data than this site accepts.');
    let seen = 0;
    const tooLarge = () => new AppError(413, 'That is more data than this site accepts.');
    const bounded = req.pipe(
      new Transform({
        transform(chunk: Buffer, _encoding, done) {
          seen += chunk.length;
          if (seen > config.maxBodyBytes) done(tooLarge());
          else done(null, chunk);
        },
      }),
    );
    // A body past the bound without a Content-Length is cut off mid-stream: the reader hears 413.
    const reply = await passThrough(req, target, false, bounded).catch((error: unknown) => {
      throw seen > config.maxBodyBytes ? tooLarge() : error;
    });
    if (kindOf(reply.headers) === 'other') {
      readerHeaders(res, reply.headers, false);
      res.status(reply.status);
      streamTo(reply.body, res);
      return;
    }
    const headers = { ...reply.headers };
    let decoded: Buffer;
    try {
      decoded = await decodeBody(await readBounded(reply.body, readLimit), headers['content-encoding']);
    } catch (error) {
      if (error instanceof OriginBodyTooLarge) throw new AppError(502, 'This page is larger than we can show.');
      throw new AppError(502, 'The site answered with something we could not read.');
    }
    delete headers['content-encoding'];
    await serve(req, res, target, { response: { status: reply.status, headers, body: decoded }, derived: new Map() }, false);
  }

  const handler: RequestHandler = async (req, res) => {
    // A gift token is Gatehouse's alone: the CMS never sees it, and no cache entry is keyed by it.
    const target = readTarget(withoutGiftParam(req.originalUrl));
    if (target === undefined) throw new AppError(400, 'This address cannot be read.');
    if (rules.isBlocked(target)) throw new AppError(404, 'There is no page at this address.');
    // TRACE would echo the origin secret back; CONNECT, WebDAV and the like are no requests for a page.
    if (!forwardedMethods.has(req.method)) throw new AppError(405, 'This method is not allowed here.', { Allow: [...forwardedMethods].join(', ') });
    if (req.method !== 'GET' && req.method !== 'HEAD') return forward(req, res, target);
    if (staticFile.test(target.path) && (await streamStatic(req, res, target))) return;
    const entry = await cached(`${target.path}${target.search}`);
    await serve(req, res, target, entry, true);
  };

  return {
    handler,
    async articleAt(path) {
      const target = readTarget(withoutGiftParam(path));
      if (target === undefined || target.search !== '' || rules.isBlocked(target)) return undefined;
      const entry = await cached(target.path).catch(() => undefined);
      if (entry === undefined || kindOf(entry.response.headers, entry.response.body) !== 'html') return undefined;
      const page = pageOf(entry, target.path);
      if (!isArticle(page, entry.response.status)) return undefined;
      return { identity: page.identity, path: target.path, title: page.title };
    },
    async decisionAt(req, res, path) {
      const target = readTarget(path);
      if (target === undefined || rules.isBlocked(target)) return undefined;
      const entry = await cached(target.path);
      if (kindOf(entry.response.headers, entry.response.body) !== 'html') return undefined;
      const page = pageOf(entry, target.path);
      if (!isArticle(page, entry.response.status)) return undefined;
      const article: GatedArticle = { slug: page.identity, section: page.section, access: page.access };
      const visit = await deps.visitorOf(req, res, 'peek', article);
      return deps.gate.decide(article, visit.reader, visit.mode);
    },
  };
}

/**
 * Drops an origin body Gatehouse will not send. undici reports a destroyed body as an
 * 'error' event: without a listener that would be an uncaught error, and the process's end.
 */
function discard(body: Readable): void {
  body.on('error', () => undefined);
  body.destroy();
}

/**
 * Streams an origin body to the reader; either side failing (the origin's connection dropping,
 * the reader going away) ends both, never the process.
 */
function streamTo(body: Readable, res: Response): void {
  pipeline(body, res, (error) => {
    if (error !== undefined && error !== null && !res.headersSent) res.status(502).end();
  });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
