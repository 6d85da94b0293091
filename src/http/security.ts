import helmet from 'helmet';
import type { RequestHandler } from 'express';

/** A strict CSP: nothing inline, everything from this origin. Pages work without scripts. */
export function securityHeaders(options: { https: boolean; formTargets?: string[]; imageSources?: readonly string[] }): RequestHandler {
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
