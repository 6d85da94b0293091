import type { Request } from 'express';
import { csrfSync } from 'csrf-sync';

/**
 * Synchroniser tokens kept in the session: every state-changing form posts `_csrf`, JSON
 * clients send `X-CSRF-Token`. The token is made only when a page needs one, so reading
 * articles anonymously creates no session.
 */
export function buildCsrf() {
  const { csrfSynchronisedProtection, generateToken } = csrfSync({
    size: 32,
    getTokenFromRequest: (req: Request) => {
      const fromBody = (req.body as Record<string, unknown> | undefined)?._csrf;
      if (typeof fromBody === 'string') return fromBody;
      const header = req.headers['x-csrf-token'];
      return typeof header === 'string' ? header : undefined;
    },
  });
  return {
    protect: csrfSynchronisedProtection,
    token: (req: Request, renew = false) => generateToken(req, renew),
  };
}

export type Csrf = ReturnType<typeof buildCsrf>;
