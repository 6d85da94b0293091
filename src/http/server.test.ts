import type { AddressInfo } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import express from 'express';
import { createHttpServer } from './server';

describe('createHttpServer', () => {
  it('when a request comes in, then Node made it and its response with the app\'s own prototypes, and Express serves it as usual', async () => {
    const app = express();
    app.get('/page', (req, res) => {
      res.cookie('seen', req.get('x-name') ?? '', { httpOnly: true }).type('html').send(`<p>${req.query.q as string}</p>`);
    });
    let born: [object | null, object | null] = [null, null];
    // Looks at the objects before Express's own setPrototypeOf could change them.
    const probe = Object.assign((req: IncomingMessage, res: ServerResponse) => {
      born = [Object.getPrototypeOf(req) as object, Object.getPrototypeOf(res) as object];
      app(req, res);
    }, { request: app.request, response: app.response });
    const server = createHttpServer(probe).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/page?q=tide`, { headers: { 'x-name': 'harbour' } });
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('<p>tide</p>');
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(response.headers.get('set-cookie')).toBe('seen=harbour; Path=/; HttpOnly');
      expect(born[0]).toBe(app.request);
      expect(born[1]).toBe(app.response);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
