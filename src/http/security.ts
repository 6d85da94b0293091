import helmet from 'helmet';
import type { Request, RequestHandler, Response } from 'express';

/**
 * A strict CSP: nothing inline, everything from this origin. Pages work without scripts.
 * helmet's headers are the same for every request (no nonces), so they are worked out
 * once, here, and each response only sets them.
 */
export function securityHeaders(options: { https: boolean; formTargets?: string[]; imageSources?: readonly string[] }): RequestHandler {
  const headers = headersOf(helmetFor(options));
  return (_req, res, next) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    next();
  };
}

/** What a middleware that only sets headers sets (helmet also removes X-Powered-By, which Express never sends here). */
function headersOf(middleware: RequestHandler): [string, string | number | readonly string[]][] {
  const headers = new Map<string, string | number | readonly string[]>();
  const recorder = { setHeader: (name: string, value: string | number | readonly string[]) => headers.set(name, value), removeHeader: (name: string) => headers.delete(name) };
  let done = false;
  void middleware({} as Request, recorder as unknown as Response, (error?: unknown) => {
    if (error !== undefined) throw error;
    done = true;
  });
  if (!done) throw new Error('the security headers middleware did not finish at once');
  return [...headers];
}

function helmetFor(options: { https: boolean; formTargets?: string[]; imageSources?: readonly string[] }): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'"],
        // The publisher's image CDN, when IMG_SRC names it.
        'img-src': ["'self'", 'data:', ...(options.imageSources ?? [])],
        'font-src': ["'self'"],
        // Forms post here, then redirect to Stripe's Checkout and billing portal, which
        // browsers check against form-action too.
        'form-action': ["'self'", ...(options.formTargets ?? [])],
        'frame-ancestors': ["'none'"],
        'object-src': ["'none'"],
        'base-uri': ["'self'"],
        'upgrade-insecure-requests': options.https ? [] : null,
      },
    },
    strictTransportSecurity: options.https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
  });
}

/**
 * For pages whose address holds a secret (a reset, sign-in or verification token): it must
 * not leak through the Referer header to another site, nor stay in any cache.
 */
export const tokenInAddress: RequestHandler = (_req, res, next) => {
  res.set('Referrer-Policy', 'no-referrer');
  res.set('Cache-Control', 'private, no-store');
  next();
};
