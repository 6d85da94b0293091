import { anonymousReaderAfter, subscriber, type Fixtures } from './fixtures';
import { alternatingRounds, type LoadSettings, type Samples } from './load';
import { perViewCosts, redisBytesOfReader, type PerView, type ViewTarget } from './readings';
import { barePath, capturePage } from './baselines';
import { controlPath } from './server';
import { startChild, stopChild, type Served } from './processes';
import type { Kind } from './report';
import { clusterViews } from './cluster';

const article = 'harbour-bridge-reopens';
const premium = 'care-home-contracts';
export const bareExpress = 'bare Express 5';
/** The Markdown view the origin rows are held to (issue 13: a cached, cut origin view at 0.8x or more of its req/s). */
export const markdownAnonymous = 'anonymous metered (new reader)';

type ViewKind = Kind & ViewTarget;

export interface ViewFigures {
  readonly kinds: readonly Kind[];
  readonly samples: Map<string, Samples>;
  readonly perView: Map<string, PerView>;
  readonly bytesPerReader: number;
  readonly page: { readonly bodyBytes: number; readonly headerBytes: number };
}

/** The gated kinds (and the in-app control), with the readers each needs. */
async function appKinds(base: string, fixtures: Fixtures, registeredCookie: string): Promise<ViewKind[]> {
  const subscriberCookie = await subscriber(base, fixtures);
  // Three reads use up the anonymous allowance.
  const exhausted = await anonymousReaderAfter(base, ['tram-line-consultation', 'flood-defences-budget', 'market-hall-restoration']);
  // A returning reader: their cookie, and an article already counted this month (granted again).
  const returning = await anonymousReaderAfter(base, [article]);
  const url = (path: string) => `${base}${path}`;
  return [
    { name: 'control (in-app, ungated)', url: url(controlPath(article)), gated: false },
    { name: markdownAnonymous, url: url(`/articles/${article}`), expect: 'metered', gated: true, redisTrips: 1 },
    { name: 'anonymous metered (returning reader)', url: url(`/articles/${article}`), cookie: returning, expect: 'metered', gated: true, redisTrips: 1 },
    { name: 'registered metered', url: url(`/articles/${article}`), cookie: registeredCookie, expect: 'metered', gated: true },
    { name: 'subscriber', url: url(`/articles/${premium}`), cookie: subscriberCookie, expect: 'subscriber', gated: true },
    { name: 'registration wall', url: url(`/articles/${article}`), cookie: exhausted, expect: 'registration-wall', gated: true, redisTrips: 1 },
    { name: 'paywall (registered, premium)', url: url(`/articles/${premium}`), cookie: registeredCookie, expect: 'paywall', gated: true },
  ];
}

/** Kinds served by another app child (the origin mode's), joining the same rounds and table. */
export interface MoreViews {
  readonly kinds: readonly ViewKind[];
  perView(): Promise<Map<string, PerView>>;
}

/**
 * Every view kind in the same alternating rounds: bare node:http and bare Express 5 (each in
 * its own child, serving the bytes and headers of the anonymous reader's page as the app
 * rendered it), the in-app control, each gated kind, and those of `more`.
 */
export async function measureViews(entry: string, app: Served, fixtures: Fixtures, registeredCookie: string, load: LoadSettings & { readonly cluster?: boolean }, more: readonly MoreViews[] = []): Promise<ViewFigures> {
  const gated = await appKinds(app.base, fixtures, registeredCookie);
  const reader = await anonymousReaderAfter(app.base, ['tram-line-consultation', 'flood-defences-budget', 'jazz-quartet-review']);
  const bytesPerReader = await redisBytesOfReader(fixtures.redis, fixtures.keyPrefix, fixtures.sessionSecret, reader);

  const page = await capturePage(`${app.base}/articles/${article}`);
  const headerBytes = Object.entries(page.headers).reduce((sum, [name, value]) => sum + [value].flat().reduce((n, v) => n + name.length + v.length + 4, 0), 0);
  const bare: Served[] = [];
  const cluster = load.cluster ? await clusterViews(entry, fixtures) : undefined;
  try {
    for (const role of ['bare-node', 'bare-express', 'bare-express-born'] as const) bare.push(await startChild(entry, role, { env: process.env, greeting: { page } }));
    const kinds: ViewKind[] = [
      { name: 'bare node:http', url: `${bare[0]!.base}${barePath}`, gated: false, server: bare[0]!.child },
      { name: bareExpress, url: `${bare[1]!.base}${barePath}`, gated: false, server: bare[1]!.child },
      { name: 'bare Express 5 on Gatehouse\'s server (objects born with its prototypes)', url: `${bare[2]!.base}${barePath}`, gated: false, server: bare[2]!.child },
      ...gated.map((kind) => ({ ...kind, server: app.child })),
      ...(cluster?.kinds ?? []),
      ...more.flatMap((views) => views.kinds),
    ];
    const perView = new Map<string, PerView>();
    for (const kind of gated) perView.set(kind.name, await perViewCosts(app.child, kind));
    for (const views of [...(cluster ? [cluster] : []), ...more]) for (const [name, costs] of await views.perView()) perView.set(name, costs);
    const samples = await alternatingRounds(kinds, load);
    return { kinds, samples, perView, bytesPerReader, page: { bodyBytes: Buffer.byteLength(page.body), headerBytes } };
  } finally {
    for (const served of bare) await stopChild(served);
    await cluster?.stop();
  }
}
