import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { AppError } from './app-error';
import { isStoreOutage } from '../store/store-errors';
import { loggablePath } from './log-paths';
import type { MessageKey, Messages } from './i18n';

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

export function notFoundPage(messages: Messages): RequestHandler {
  return (req, res) => send(req, res, 404, messages.t('error.title404'), messages.t('error.notFound'));
}

/** Past every admin API route: a JSON 404, not the admin page's sign-in redirect. */
export const adminApiNotFound: RequestHandler = (req, res) => {
  res.status(404).json({ error: `There is no admin API route ${req.method} ${req.baseUrl}${req.path}.` });
};

const titleKeys: Readonly<Record<number, MessageKey>> = {
  400: 'error.title400',
  401: 'error.title401',
  403: 'error.title403',
  404: 'error.title404',
  413: 'error.title413',
  429: 'error.title429',
  503: 'error.title503',
};

/** The one place errors become responses: operational ones say what happened, others are logged. */
export function errorHandler(logger: Logger, messages: Messages): ErrorRequestHandler {
  const titleOf = (status: number, otherwise: MessageKey = 'error.titleOther') => messages.t(titleKeys[status] ?? otherwise);
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    if (error instanceof AppError) {
      res.set(error.headers);
      send(req, res, error.status, titleOf(error.status), error.message);
      return;
    }
    if (isStoreOutage(error)) {
      logger.warn({ err: error, requestId: res.locals.requestId, path: loggablePath(req.originalUrl) }, 'a store is unreachable');
      res.set('Retry-After', '30');
      send(req, res, 503, titleOf(503), messages.t('error.storeOutage'));
      return;
    }
    const stripeType = (error as { type?: unknown }).type;
    if (typeof stripeType === 'string' && /^Stripe(API|Connection|RateLimit)Error$/.test(stripeType)) {
      logger.warn({ err: error, requestId: res.locals.requestId, path: loggablePath(req.originalUrl) }, 'Stripe could not be reached');
      send(req, res, 502, messages.t('error.stripeTitle'), messages.t('error.stripe'));
      return;
    }
    const httpError = error as { status?: unknown; expose?: unknown; code?: unknown; type?: unknown };
    if (httpError.code === 'EBADCSRFTOKEN') {
      send(req, res, 403, messages.t('error.csrfTitle'), messages.t('error.csrf'));
      return;
    }
    if (typeof httpError.status === 'number' && httpError.status >= 400 && httpError.status < 500) {
      const message = messages.t(httpError.type === 'entity.too.large' ? 'error.tooLarge' : 'error.badRequest');
      send(req, res, httpError.status, titleOf(httpError.status, 'error.title400'), message);
      return;
    }
    logger.error({ err: error, requestId: res.locals.requestId, path: loggablePath(req.originalUrl), method: req.method }, 'request failed');
    send(req, res, 500, titleOf(500), messages.t('error.internal'));
  };
}
