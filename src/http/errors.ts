import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { AppError } from './app-error';
import { isStoreOutage } from '../store/store-errors';
import { loggablePath } from './log-paths';

function wantsJson(req: Request): boolean {
  return req.path.startsWith('/api/') || req.path.startsWith('/admin/api/') || req.accepts(['html', 'json']) === 'json';
}

function send(req: Request, res: Response, status: number, title: string, message: string): void {
  res.status(status);
  if (wantsJson(req)) {
    res.json({ error: message });
    return;
  }
  // A route that knows where the reader came from (a checkout started from an article) sets
  // `res.locals.backTo`, already checked as a local path: the page leads back there.
  res.render('error', { title, message, status, backTo: typeof res.locals.backTo === 'string' ? res.locals.backTo : undefined });
}

export const notFound: RequestHandler = (req, res) => {
  send(req, res, 404, 'Page not found', 'There is no page at this address. It may have moved, or the link may be wrong.');
};

/** Past every admin API route: a JSON 404, not the admin page's sign-in redirect. */
export const adminApiNotFound: RequestHandler = (req, res) => {
  res.status(404).json({ error: `There is no admin API route ${req.method} ${req.baseUrl}${req.path}.` });
};

const titles: Record<number, string> = {
  400: 'Something in that request was not right',
  401: 'Sign in needed',
  403: 'Not allowed',
  404: 'Page not found',
  413: 'Too much data',
  429: 'Too many attempts',
  503: 'Temporarily unavailable',
};

/** The one place errors become responses: operational ones say what happened, others are logged. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    if (error instanceof AppError) {
      res.set(error.headers);
      send(req, res, error.status, titles[error.status] ?? 'Something went wrong', error.message);
      return;
    }
    if (isStoreOutage(error)) {
      logger.warn({ err: error, requestId: res.locals.requestId, path: loggablePath(req.originalUrl) }, 'a store is unreachable');
      res.set('Retry-After', '30');
      send(req, res, 503, titles[503]!, 'We cannot reach part of our service right now. Please try again in a minute.');
      return;
    }
    const stripeType = (error as { type?: unknown }).type;
    if (typeof stripeType === 'string' && /^Stripe(API|Connection|RateLimit)Error$/.test(stripeType)) {
      logger.warn({ err: error, requestId: res.locals.requestId, path: loggablePath(req.originalUrl) }, 'Stripe could not be reached');
      send(req, res, 502, 'Payment provider unavailable', 'Our payment provider could not be reached, so nothing was changed. Please try again in a minute.');
      return;
    }
    const httpError = error as { status?: unknown; expose?: unknown; code?: unknown; type?: unknown };
    if (httpError.code === 'EBADCSRFTOKEN') {
      send(req, res, 403, 'This form has expired', 'This form has expired or was sent from another site. Go back, reload the page and try again.');
      return;
    }
    if (typeof httpError.status === 'number' && httpError.status >= 400 && httpError.status < 500) {
      const message =
        httpError.type === 'entity.too.large'
          ? 'The request was larger than this site accepts.'
          : 'The request could not be understood. Check what you sent and try again.';
      send(req, res, httpError.status, titles[httpError.status] ?? titles[400]!, message);
      return;
    }
    logger.error({ err: error, requestId: res.locals.requestId, path: loggablePath(req.originalUrl), method: req.method }, 'request failed');
    send(req, res, 500, 'Something went wrong', 'Something went wrong on our side. Please try again in a moment.');
  };
}
