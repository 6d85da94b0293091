import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { describeMode, modes, startTestApp, type TestApp } from '../support/test-app';
import { createHttpServer } from '../../src/http/server';

/** One raw HTTP/1.1 request, for request-targets a client library will not send (`*`, absolute form). */
function rawRequest(port: number, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(`${head}\r\nHost: news.example\r\nConnection: close\r\n\r\n`));
    let text = '';
    socket.on('data', (chunk) => (text += chunk));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}

for (const mode of modes) {
  describeMode(mode)(`request-targets that are not paths (${mode})`, () => {
    let t: TestApp;
    let server: ReturnType<typeof createHttpServer>;
    beforeAll(async () => {
      t = await startTestApp(mode);
      server = createHttpServer(t.app).listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
    });
    afterAll(async () => {
      await new Promise((resolve) => server.close(resolve));
      await t.close();
    });
    const port = () => (server.address() as AddressInfo).port;

    it('when a client asks OPTIONS * (the server-wide form), then it gets a 400 page with the usual headers, not a 5xx', async () => {
      const answer = await rawRequest(port(), 'OPTIONS * HTTP/1.1');
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(answer).toMatch(/\r\nContent-Security-Policy: default-src 'self'/i);
    });

    it('when a client sends an absolute-form request-target, then it is served as its path', async () => {
      const answer = await rawRequest(port(), 'GET http://news.example/articles/harbour-bridge-reopens HTTP/1.1');
      expect(answer).toMatch(/^HTTP\/1\.1 200 /);
      expect(answer).toMatch(/\r\nX-Access-Decision: metered\r\n/i);
    });
  });
}
