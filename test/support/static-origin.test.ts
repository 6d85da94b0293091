import zlib from 'node:zlib';
import { request } from 'undici';
import { startStaticOrigin, type StaticOrigin } from './static-origin';

describe('startStaticOrigin', () => {
  let origin: StaticOrigin;

  beforeEach(async () => {
    origin = await startStaticOrigin();
  });

  afterEach(() => origin.close());

  test('when a path is routed, then it answers the route whatever the query, and logs the request', async () => {
    origin.route('/a/', { headers: { 'Cache-Control': 'max-age=60' }, body: '<p>hello</p>' });
    const response = await fetch(`${origin.url}/a/?utm_source=x`, { headers: { cookie: 'sid=1', 'x-gatehouse-origin-secret': 's3' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('max-age=60');
    expect(await response.text()).toBe('<p>hello</p>');
    expect(origin.requests).toEqual([expect.objectContaining({ method: 'GET', url: '/a/?utm_source=x', headers: expect.objectContaining({ cookie: 'sid=1', 'x-gatehouse-origin-secret': 's3' }) })]);
    expect(origin.hits('/a/')).toBe(1);
    expect(origin.hits('/a/?utm_source=y')).toBe(0);
  });

  test('when a key has a query, then only that query matches it; unknown paths are 404', async () => {
    origin.route('/s?q=1', { body: 'one' });
    origin.route('/s', { body: 'any' });
    expect(await (await fetch(`${origin.url}/s?q=1`)).text()).toBe('one');
    expect(await (await fetch(`${origin.url}/s?q=2`)).text()).toBe('any');
    origin.unroute('/s');
    expect((await fetch(`${origin.url}/s?q=2`)).status).toBe(404);
    expect((await fetch(`${origin.url}/nothing`)).status).toBe(404);
  });

  test('when a route is compressed, then it is sent encoded whatever the request accepts', async () => {
    origin.route('/gz', { body: 'zipped', gzip: true });
    origin.route('/br', { body: 'brotli', brotli: true });
    const gz = await request(`${origin.url}/gz`);
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(Buffer.from(await gz.body.arrayBuffer())).toString()).toBe('zipped');
    const br = await request(`${origin.url}/br`);
    expect(br.headers['content-encoding']).toBe('br');
    expect(zlib.brotliDecompressSync(Buffer.from(await br.body.arrayBuffer())).toString()).toBe('brotli');
  });

  test('when the ETag matches, then it answers 304; a POST body is logged', async () => {
    origin.route('/e', { headers: { etag: '"v1"' }, body: 'x' });
    expect((await fetch(`${origin.url}/e`, { headers: { 'if-none-match': '"v1"' } })).status).toBe(304);
    expect((await fetch(`${origin.url}/e`, { headers: { 'if-none-match': '"v0"' } })).status).toBe(200);
    await fetch(`${origin.url}/e`, { method: 'POST', body: 'a=1' });
    expect(origin.requests.at(-1)).toEqual(expect.objectContaining({ method: 'POST', body: Buffer.from('a=1') }));
  });

  test('when stopped, then connections are refused, and pending delayed answers dropped; when started, then the same port answers', async () => {
    origin.route('/slow', { body: 'late', delayMs: 10_000 });
    const slow = fetch(`${origin.url}/slow`);
    await new Promise<void>((resolve) => {
      const wait = (): void => void (origin.hits('/slow') > 0 ? resolve() : setImmediate(wait));
      wait();
    });
    await origin.stop();
    await expect(slow).rejects.toThrow();
    await expect(fetch(`${origin.url}/slow`)).rejects.toThrow();
    await origin.start();
    origin.route('/slow', { body: 'fast' });
    expect(await (await fetch(`${origin.url}/slow`)).text()).toBe('fast');
  });
});
