import { analysePage, type ArticleView, type PageAnalysisOptions } from '../../src/articles/origin/html-page';
import { barePath, capturePage } from './baselines';
import { setCookies, subscriber, type Fixtures } from './fixtures';
import type { Samples } from './load';
import { articleShape, fillPath, originArticlePath, originPage } from './origin-page';
import { perViewCosts, settledMemoryOf, type PerView, type ViewTarget } from './readings';
import { startChild, stopChild, type Served } from './processes';
import type { Kind } from './report';

const article = originArticlePath('harbour-tunnel-plan');
/** The origin cache's budget for the whole origin app, small so that the fill overflows it many times. */
const cacheMb = 16;
export const originRow = 'origin: ';

export interface OriginViews {
  readonly kinds: readonly (Kind & ViewTarget)[];
  /** The Gatehouse child in front of the origin. */
  readonly app: Served;
  perView(): Promise<Map<string, PerView>>;
  stop(): Promise<void>;
}

/** An anonymous reader (its Cookie header) after reading these origin paths in turn. */
async function readerAfter(base: string, paths: readonly string[]): Promise<string> {
  let cookie = '';
  for (const path of paths) {
    const response = await fetch(`${base}${path}`, { headers: cookie ? { cookie } : {} });
    await response.arrayBuffer();
    cookie ||= setCookies(response).join('; ');
  }
  return cookie;
}

/**
 * The origin mode's rows: a static origin child serving generated news pages of about 150 KB
 * (`Cache-Control: max-age=600`), and a second app child in production mode with ORIGIN_URL
 * on it (same PostgreSQL and Redis as the Markdown app, ORIGIN_CACHE_MB 16, GC exposed for
 * the memory readings). Every row reads one article, cached after its first view. A bare
 * node:http child serving the cut page's bytes is their floor: the Markdown page is 30 times smaller.
 */
export async function originViews(entry: string, fixtures: Fixtures, server: { readonly env: NodeJS.ProcessEnv; readonly execArgv: readonly string[] }): Promise<OriginViews> {
  const origin = await startChild(entry, 'static-origin', { env: process.env });
  let app: Served | undefined;
  let bare: Served | undefined;
  try {
    app = await startChild(entry, 'app', { env: { ...server.env, ORIGIN_URL: origin.base, ORIGIN_CACHE_MB: String(cacheMb) }, execArgv: ['--expose-gc', ...server.execArgv] });
    const base = app.base;
    // Three origin articles use up the anonymous allowance.
    const exhausted = await readerAfter(base, [1, 2, 3].map((n) => originArticlePath(`warm-up-${n}`)));
    const subscriberCookie = await subscriber(base, fixtures);
    bare = await startChild(entry, 'bare-node', { env: process.env, greeting: { page: await capturePage(`${base}${article}`, exhausted) } });
    const kinds = [
      { name: 'bare node:http (origin cut page bytes)', url: `${bare.base}${barePath}`, gated: false, server: bare.child },
      { name: `${originRow}anonymous metered (new reader, full)`, url: `${base}${article}`, expect: 'metered', gated: true, redisTrips: 1, server: app.child },
      { name: `${originRow}registration wall (cut)`, url: `${base}${article}`, cookie: exhausted, expect: 'registration-wall', gated: true, redisTrips: 1, server: app.child },
      { name: `${originRow}subscriber (signed in, full)`, url: `${base}${article}`, cookie: subscriberCookie, expect: 'subscriber', gated: true, server: app.child },
    ];
    const served = app;
    const floor = bare;
    return {
      kinds,
      app: served,
      async perView() {
        const perView = new Map<string, PerView>();
        for (const kind of kinds) if (kind.gated) perView.set(kind.name, await perViewCosts(served.child, kind));
        return perView;
      },
      async stop() {
        await stopChild(floor);
        await stopChild(served);
        await stopChild(origin);
      },
    };
  } catch (error) {
    await stopChild(bare);
    await stopChild(app);
    await stopChild(origin);
    throw error;
  }
}

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const percentile = (values: readonly number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))]!;

/** Each gated origin row against the Markdown view `yardstick`, round by round (the issue's target: a cut view at 0.8x or more). */
export function versusMarkdown(kinds: readonly Kind[], samples: Map<string, Samples>, yardstick: string): { name: string; ratio: number; low: number; high: number }[] {
  const markdown = samples.get(yardstick)!.rps;
  return kinds.filter((kind) => kind.gated).map((kind) => {
    const ratios = samples.get(kind.name)!.rps.map((rps, round) => rps / markdown[round]!);
    return { name: kind.name, ratio: median(ratios), low: Math.min(...ratios), high: Math.max(...ratios) };
  });
}

export interface CutTimes {
  readonly runs: number;
  readonly pageBytes: number;
  readonly parseMedianMs: number;
  readonly medianMs: number;
  readonly p90Ms: number;
}

/**
 * The cut of a 150 KB page as the proxy makes it on a cache miss: a fresh `analysePage` and
 * one 'cut' render each run, in this (otherwise idle) process, after a short warm-up.
 */
export function cutTimes(runs = 250, warmUp = 20): CutTimes {
  const html = originPage(article, articleShape.bytes, articleShape.paragraphs);
  const options: PageAnalysisOptions = { articleSelector: 'article', cms: 'generic', accountBarSelector: undefined, canonicalHosts: ['localhost:8080'], stylesheetHrefs: ['/gatehouse/origin.css'] };
  const view: ArticleView = {
    mode: 'cut',
    paywalled: true,
    teaserParagraphs: 2,
    accountBarHtml: '<div class="gatehouse-bar"><a href="/signin">Sign in</a> <a href="/signup">Create a free account</a></div>',
    noticeHtml: '',
    gateHtml: '<section class="gatehouse-gate"><h2>Keep reading for free</h2><p>Create a free account to read on.</p><a href="/signup">Create a free account</a></section>',
  };
  const parses: number[] = [];
  const totals: number[] = [];
  for (let run = 0; run < warmUp + runs; run += 1) {
    const started = performance.now();
    const page = analysePage(html, article, options);
    const parsed = performance.now();
    if (page.kind !== 'article') throw new Error('the bench page is not an article page');
    page.render(view);
    const ended = performance.now();
    if (run < warmUp) continue;
    parses.push(parsed - started);
    totals.push(ended - started);
  }
  const round2 = (ms: number) => Math.round(ms * 100) / 100;
  return { runs, pageBytes: Buffer.byteLength(html), parseMedianMs: round2(median(parses)), medianMs: round2(median(totals)), p90Ms: round2(percentile(totals, 0.9)) };
}

export interface MemoryStep {
  readonly pages: number;
  readonly rssMb: number;
  readonly heapUsedMb: number;
  readonly externalMb: number;
  readonly failures: number;
}

/**
 * Memory of the origin app while `pages` distinct pages of about 100 KB go through its proxy
 * (anonymous readers, `connections` at a time), read after a forced GC every `every` pages:
 * the cache holds ORIGIN_CACHE_MB of them, so the figures should level off.
 */
export async function fillCache(app: Served, pages: number, every: number, connections = 8): Promise<MemoryStep[]> {
  const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
  const step = async (done: number, failures: number): Promise<MemoryStep> => {
    const memory = await settledMemoryOf(app.child);
    return { pages: done, rssMb: mb(memory.rss), heapUsedMb: mb(memory.heapUsed), externalMb: mb(memory.external), failures };
  };
  const steps = [await step(0, 0)];
  let next = 0;
  let failures = 0;
  for (let done = 0; done < pages; done += every) {
    const end = Math.min(pages, done + every);
    const worker = async () => {
      while (next < end) {
        const n = next++;
        const response = await fetch(`${app.base}${fillPath(n)}`);
        await response.arrayBuffer();
        if (response.status !== 200 || response.headers.get('x-access-decision') !== 'metered') failures += 1;
      }
    };
    await Promise.all(Array.from({ length: connections }, worker));
    steps.push(await step(end, failures));
  }
  return steps;
}

export function describeMemory(steps: readonly MemoryStep[]): string {
  const lines = steps.map((s) => `  after ${String(s.pages).padStart(5)} pages: RSS ${s.rssMb} MB, heap used ${s.heapUsedMb} MB, external ${s.externalMb} MB${s.failures ? `, ${s.failures} failed` : ''}`);
  return `Origin cache fill (ORIGIN_CACHE_MB ${cacheMb}; distinct ~100 KB pages through the proxy, anonymous readers; after a forced GC):\n${lines.join('\n')}`;
}
