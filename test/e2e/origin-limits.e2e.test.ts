import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { startStaticOrigin, type StaticOrigin } from '../support/static-origin';
import { startTestApp, type TestApp } from '../support/test-app';

/** Posts `chunks` of 1,000 bytes with chunked encoding (no Content-Length), as a streaming client does. */
function postChunked(port: number, path: string, chunks: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ port, host: '127.0.0.1', method: 'POST', path, headers: { 'content-type': 'text/plain' } }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on('error', reject);
    for (let i = 0; i < chunks; i += 1) req.write('x'.repeat(1000));
    req.end();
  });
}

describe('origin mode: the bound on bodies passed on (ORIGIN_MAX_BODY_KB)', () => {
  let origin: StaticOrigin;
  let t: TestApp;
  let server: http.Server;
  let port: number;

  beforeAll(async () => {
    origin = await startStaticOrigin();
    origin.route('/form', { body: '<html><body><p>thanks</p></body></html>' });
    t = await startTestApp('embedded', { env: { ORIGIN_URL: origin.url, ORIGIN_MAX_BODY_KB: '2' } });
    server = t.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await t?.close();
    await origin?.close();
  });

  it('when a body within the bound is posted, then the origin gets it', async () => {
    expect(await postChunked(port, '/form', 1)).toBe(200);
  });

  it('when a body over the bound declares its length, then it is refused with 413 before anything reaches the origin', async () => {
    const before = origin.requests.length;
    await request(t.app).post('/form').set('Content-Type', 'text/plain').send('x'.repeat(3000)).expect(413);
    expect(origin.requests.length).toBe(before);
  });

  it('when a body over the bound streams without a length, then it is cut off with 413 and the server goes on', async () => {
    expect(await postChunked(port, '/form', 10)).toBe(413);
    await request(t.app).get('/form').expect(200);
  });
});
