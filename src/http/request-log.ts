import { randomUUID } from 'node:crypto';
import pinoHttp from 'pino-http';
import type { Logger } from 'pino';
import type { RequestHandler } from 'express';
import { loggablePath } from './log-paths';

const requestIdPattern = /^[\w.:-]{1,128}$/;

/**
 * One JSON line per request with a request id (the caller's `X-Request-Id` when it is safe
 * to echo, else a new one, sent back either way). Cookies, credentials, query strings and
 * tokens in paths never reach the log.
 */
export function requestLog(logger: Logger): RequestHandler {
  return pinoHttp({
    logger,
    genReqId: (req, res) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && requestIdPattern.test(given) ? given : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    serializers: {
      req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, url: loggablePath(req.url) }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  });
}
