import pino from 'pino';
import type { OriginResponse } from './cache-control';
import { OriginCache } from './origin-cache';
import type { PurgeBus, PurgeRequest } from './purge-bus';

const logger = pino({ level: 'silent' });
const start = Date.UTC(2026, 3, 1, 12, 0, 0);
const day = 86_400_000;

/** One bus shared by the caches of a test, as if they were instances. */
class LocalBus implements PurgeBus {
  readonly published: PurgeRequest[] = [];
  private readonly listeners: Array<(request: PurgeRequest) => void> = [];
  closed = false;

  async publish(request: PurgeRequest): Promise<void> {
    this.published.push(request);
    for (const listener of this.listeners) listener(request);
  }

  subscribe(listener: (request: PurgeRequest) => void): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

function response(text: string, cacheControl = 'max-age=60', status = 200): OriginResponse {
  return { status, headers: { 'content-type': 'text/html', 'cache-control': cacheControl }, body: Buffer.from(text) };
}

/** An origin whose answers the test releases one by one. */
class FakeOrigin {
  readonly requests: string[] = [];
  private readonly waiting: Array<{ resolve: (r: OriginResponse) => void; reject: (e: Error) => void }> = [];

  fetcher(key: string) {
    return () => {
      this.requests.push(key);
      return new Promise<OriginResponse>((resolve, reject) => this.waiting.push({ resolve, reject }));
    };
  }

  async answer(value: OriginResponse | Error): Promise<void> {
    await until(() => this.waiting.length > 0);
    const next = this.waiting.shift()!;
    if (value instanceof Error) next.reject(value);
    else next.resolve(value);
  }

  get pending(): number {
    return this.waiting.length;
  }
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1_000 && !condition(); i++) await new Promise((resolve) => setImmediate(resolve));
  if (!condition()) throw new Error('condition never held');
}

/** Lets the fetches the fake origin answered run to their end (they wait on nothing else). */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Reads until the key is fresh: a read while its refresh runs starts none, so this only waits. */
async function untilHit(s: ReturnType<typeof setup>, key: string): Promise<void> {
  for (let i = 0; i < 1_000; i++) {
    if ((await s.get(key)).state === 'hit') return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`${key} never became fresh`);
}

function setup(maxBytes = 1_000_000) {
  let now = start;
  const bus = new LocalBus();
  const cache = new OriginCache({ maxBytes, keyPrefix: 'unused:', clock: () => now, logger, bus });
  const origin = new FakeOrigin();
  const get = (key: string) => cache.get(key, origin.fetcher(key));
  return { cache, bus, origin, get, advance: (ms: number) => (now += ms) };
}

/** Fills `key` with `text` (fresh for `seconds`). */
async function fill(subject: ReturnType<typeof setup>, key: string, text: string, seconds = 60) {
  const pending = subject.get(key);
  await subject.origin.answer(response(text, `max-age=${seconds}`));
  return pending;
}

describe('OriginCache in memory', () => {
  it('when a key is new, then the origin is asked and the answer is a miss; within its lifetime, a hit without the origin', async () => {
    const s = setup();
    const first = await fill(s, '/a/', 'A1');
    expect(first.state).toBe('miss');
    expect(first.entry.response.body.toString()).toBe('A1');
    expect(first.entry).toMatchObject({ storedAt: start, freshUntil: start + 60_000, staleUntil: start + 60_000 + day });
    s.advance(59_999);
    const second = await s.get('/a/');
    expect(second.state).toBe('hit');
    expect(second.entry).toBe(first.entry);
    expect(s.origin.requests).toEqual(['/a/']);
  });

  it('when query variants are asked, then each is its own entry', async () => {
    const s = setup();
    await fill(s, '/a/', 'plain');
    const variant = await fill(s, '/a/?utm=x', 'variant');
    expect(variant.state).toBe('miss');
    expect((await s.get('/a/')).entry.response.body.toString()).toBe('plain');
  });

  it('when many readers miss one key at once, then the origin sees one request and all get its answer', async () => {
    const s = setup();
    const readers = [s.get('/a/'), s.get('/a/'), s.get('/a/')];
    await s.origin.answer(response('A'));
    const results = await Promise.all(readers);
    expect(s.origin.requests).toEqual(['/a/']);
    expect(results.map((r) => r.state)).toEqual(['miss', 'miss', 'miss']);
    expect(new Set(results.map((r) => r.entry)).size).toBe(1);
  });

  it('when a copy is stale, then it is answered at once while one refresh runs, and the refreshed copy follows', async () => {
    const s = setup();
    const first = await fill(s, '/a/', 'old');
    s.advance(60_000);
    const stale = await s.get('/a/');
    expect(stale).toMatchObject({ state: 'stale', entry: first.entry });
    expect(s.origin.requests).toEqual(['/a/', '/a/']);
    const again = await s.get('/a/');
    expect(again.state).toBe('stale');
    expect(s.origin.requests).toHaveLength(2);
    await s.origin.answer(response('new'));
    await untilHit(s, '/a/');
    const fresh = await s.get('/a/');
    expect(s.origin.requests).toHaveLength(2);
    expect(fresh.entry.response.body.toString()).toBe('new');
    expect(fresh.entry.derived).not.toBe(first.entry.derived);
  });

  it('when a refresh fails, then the stale copy stands, answered as stale-on-error until a refresh succeeds', async () => {
    const s = setup();
    await fill(s, '/a/', 'old');
    s.advance(61_000);
    expect((await s.get('/a/')).state).toBe('stale');
    await s.origin.answer(new Error('origin down'));
    await settle();
    const during = await s.get('/a/');
    expect(during.state).toBe('stale-on-error');
    expect(during.entry.response.body.toString()).toBe('old');
    await s.origin.answer(response('back'));
    await untilHit(s, '/a/');
    expect((await s.get('/a/')).entry.response.body.toString()).toBe('back');
  });

  it('when the day of the copy ends while its refresh is failing, then the reader who missed joins that refresh and gets its error', async () => {
    const s = setup();
    await fill(s, '/a/', 'old');
    s.advance(60_000 + day - 1);
    expect((await s.get('/a/')).state).toBe('stale');
    s.advance(1);
    const late = s.get('/a/');
    await s.origin.answer(new Error('origin down'));
    await expect(late).rejects.toThrow('origin down');
    expect(s.origin.requests).toHaveLength(2);
  });

  it('when the copy is past its stale day and the origin fails, then the error reaches the reader', async () => {
    const s = setup();
    await fill(s, '/a/', 'old');
    s.advance(60_000 + day);
    const reading = s.get('/a/');
    await s.origin.answer(new Error('origin down'));
    await expect(reading).rejects.toThrow('origin down');
  });

  it('when a key was never cached and the origin fails, then the error reaches every waiting reader', async () => {
    const s = setup();
    const readers = [s.get('/a/'), s.get('/a/')];
    await s.origin.answer(new Error('origin down'));
    await expect(readers[0]).rejects.toThrow('origin down');
    await expect(readers[1]).rejects.toThrow('origin down');
    expect(s.origin.requests).toHaveLength(1);
  });

  it('when the origin answers uncacheable, then it is returned as such, not kept, and the kept copy goes', async () => {
    const s = setup();
    await fill(s, '/a/', 'cached');
    s.advance(60_000);
    expect((await s.get('/a/')).state).toBe('stale');
    await s.origin.answer(response('private one', 'private'));
    await settle();
    const next = s.get('/a/');
    await s.origin.answer(response('no-store one', 'no-store'));
    const result = await next;
    expect(result.state).toBe('uncacheable');
    expect(result.entry.response.body.toString()).toBe('no-store one');
    const after = s.get('/a/');
    await s.origin.answer(response('error', 'max-age=600', 500));
    expect((await after).state).toBe('uncacheable');
    expect(s.origin.requests).toHaveLength(4);
  });

  it('when memory is full, then the least recently used entries go first, by bytes', async () => {
    // A page is counted at ten times its body: its parse stays with it.
    const size = (key: string, text: string) => key.length + text.length * 10 + 'content-type'.length + 'text/html'.length + 'cache-control'.length + 'max-age=60'.length;
    const body = 'x'.repeat(100);
    const s = setup(size('/a/', body) * 4);
    for (const key of ['/a/', '/b/', '/c/', '/d/']) await fill(s, key, body);
    expect((await s.get('/a/')).state).toBe('hit');
    await fill(s, '/e/', body);
    for (const key of ['/a/', '/c/', '/d/', '/e/']) expect((await s.get(key)).state).toBe('hit');
    const b = s.get('/b/');
    await s.origin.answer(response(body));
    expect((await b).state).toBe('miss');
  });

  it('when an entry is over a quarter of the memory, then it is answered but not kept', async () => {
    const s = setup(40_000);
    const big = await fill(s, '/big/', 'x'.repeat(1_100));
    expect(big.state).toBe('miss');
    const again = s.get('/big/');
    await s.origin.answer(response('x'.repeat(1_100)));
    expect((await again).state).toBe('miss');
    expect(s.origin.requests).toEqual(['/big/', '/big/']);
  });

  it('when a path is purged, then every query variant of it goes, here and on the other instances, and other paths stay', async () => {
    const s = setup();
    const other = new OriginCache({ maxBytes: 1_000_000, keyPrefix: 'unused:', clock: () => start, logger, bus: s.bus });
    await fill(s, '/a/', 'a');
    await fill(s, '/a/?page=2', 'a2');
    await fill(s, '/b/', 'b');
    const otherFill = other.get('/a/', s.origin.fetcher('/a/ other'));
    await s.origin.answer(response('a other'));
    await otherFill;
    await s.cache.purge({ paths: ['/a/'] });
    expect(s.bus.published).toEqual([{ paths: ['/a/'] }]);
    expect((await s.get('/b/')).state).toBe('hit');
    for (const key of ['/a/', '/a/?page=2']) {
      const reading = s.get(key);
      await s.origin.answer(response('new'));
      expect((await reading).state).toBe('miss');
    }
    const otherAgain = other.get('/a/', s.origin.fetcher('/a/ other'));
    await s.origin.answer(response('new other'));
    expect((await otherAgain).state).toBe('miss');
  });

  it('when everything is purged, then nothing stays', async () => {
    const s = setup();
    await fill(s, '/a/', 'a');
    await fill(s, '/b/?q=1', 'b');
    await s.cache.purge({ all: true });
    for (const key of ['/a/', '/b/?q=1']) {
      const reading = s.get(key);
      await s.origin.answer(response('new'));
      expect((await reading).state).toBe('miss');
    }
  });

  it('when a purge comes while a fetch is under way, then its answer is served but not kept', async () => {
    const s = setup();
    const reading = s.get('/a/');
    await until(() => s.origin.pending === 1);
    await s.cache.purge({ paths: ['/a/'] });
    await s.origin.answer(response('from before the purge'));
    expect((await reading).state).toBe('miss');
    const next = s.get('/a/');
    await s.origin.answer(response('after'));
    expect((await next).entry.response.body.toString()).toBe('after');
  });

  it('when closed, then it waits for refreshes under way and closes the bus', async () => {
    const s = setup();
    await fill(s, '/a/', 'a');
    s.advance(60_000);
    await s.get('/a/');
    let closed = false;
    const closing = s.cache.close().then(() => (closed = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(false);
    await s.origin.answer(response('a2'));
    await closing;
    expect(s.bus.closed).toBe(true);
  });
});
