import http from 'node:http';
import type { Socket } from 'node:net';
import type { Express } from 'express';

/**
 * The app's HTTP server. Express gives each request and response its own prototypes
 * (`app.request`, `app.response`) with `Object.setPrototypeOf`, after Node has made them:
 * V8 then sees every request and response as an object of a new shape, and reads of their
 * properties stay slow for the rest of the request. Measured here, that was most of what
 * Express costs per request (docs/benchmarks.md). This server has Node make them with those
 * prototypes from the start, so Express's own `setPrototypeOf` finds them in place and
 * changes nothing; requests and responses are the same objects with the same behaviour.
 */
export function createHttpServer(app: Pick<Express, 'request' | 'response'> & http.RequestListener): http.Server {
  // Node's IncomingMessage and ServerResponse are plain constructor functions: these call
  // them on an object that already has Express's prototype.
  function Request(this: http.IncomingMessage, socket: Socket): void {
    Reflect.apply(http.IncomingMessage, this, [socket]);
  }
  Request.prototype = app.request;
  function Response(this: http.ServerResponse, req: http.IncomingMessage, options?: unknown): void {
    Reflect.apply(http.ServerResponse, this, [req, options]);
  }
  Response.prototype = app.response;
  return http.createServer({ IncomingMessage: Request as unknown as typeof http.IncomingMessage, ServerResponse: Response as unknown as typeof http.ServerResponse }, app);
}
