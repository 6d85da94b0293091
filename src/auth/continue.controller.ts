import { Router, type Request, type Response } from 'express';
import type Redis from 'ioredis';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { z } from 'zod';
import type { Csrf } from '../http/csrf';
import { clientAddress, networkOf } from '../http/network';
import { safeReturnTo } from '../http/return-to';
import type { AccountsRepository } from './accounts.repository';
import { emailSchemaFor } from './email';
import type { Messages } from '../http/i18n';
import type { SigninLinksService } from './signin-links.service';
import { sendLinkAndAnswer } from './signin-links.controller';
import { renderSigninPage } from './auth.controller';
import { buildLimiter, consumeAll, limiterKey } from './signin-throttle';
import { boxTicked } from '../consent/consent.module';

const field = z.string().max(4096).optional();
const continueForm = z.object({ email: field, returnTo: field, newsletter: field });

export interface ContinueRoutesDeps {
  readonly accounts: Pick<AccountsRepository, 'findByEmail'>;
  readonly links: SigninLinksService;
  readonly csrf: Csrf;
  readonly redis: Redis | undefined;
  readonly keyPrefix: string;
  readonly keySecret: string;
  readonly messages: Messages;
}

/**
 * The gate's one step (issue 15): "Sign in or Create a free account" with an email. An
 * account with a password continues to the password step; anyone else (a new reader, an
 * account that signs in by links) gets an emailed link, which creates the account or signs
 * in, on the same "Check your email" page either way.
 *
 * Whether an email has a password shows here, as it does on /signup ("an account with this
 * email already exists"); a bound per network keeps anyone from sweeping addresses through it.
 */
export function continueRoutes(deps: ContinueRoutesDeps): Router {
  const router = Router();
  const { messages } = deps;
  const emailSchema = emailSchemaFor(messages);
  const title = messages.t('continue.title');
  const byNetwork: RateLimiterAbstract = buildLimiter(deps.redis, { keyPrefix: `${deps.keyPrefix}signin-continue:network`, points: 30, duration: 15 * 60 });

  async function renderPanel(req: Request, res: Response, status: number, values: { email?: string; returnTo: string; newsletter?: boolean }, error: string) {
    res.status(status).render('signin-continue', { title, values, error, returnTo: values.returnTo, csrfToken: deps.csrf.token(req) });
  }

  router.get('/signin/continue', (req, res) => {
    const returnTo = safeReturnTo(req.query.returnTo);
    if (req.user) return res.redirect(303, returnTo);
    res.render('signin-continue', { title, values: { returnTo }, returnTo, csrfToken: deps.csrf.token(req) });
  });

  router.post('/signin/continue', async (req, res) => {
    const form = continueForm.safeParse(req.body ?? {});
    const returnTo = safeReturnTo(form.success ? form.data.returnTo : undefined);
    const typed = form.success ? form.data.email : undefined;
    // The reader's own tick: kept when the panel comes back with a problem, and carried by a sign-up link.
    const newsletter = form.success && boxTicked(form.data.newsletter);
    const email = emailSchema.safeParse(typed ?? '');
    if (!email.success) return renderPanel(req, res, 400, { email: typed, returnTo, newsletter }, email.error.issues[0]?.message ?? messages.t('email.required'));
    const network = networkOf(clientAddress(req));
    const verdict = await consumeAll([[byNetwork, limiterKey(deps.keySecret, network)]]);
    if (!verdict.allowed) {
      res.set('Retry-After', String(verdict.retryAfterSeconds));
      return renderPanel(req, res, 429, { email: email.data, returnTo, newsletter }, messages.t('continue.errorThrottled', { wait: messages.wait(verdict.retryAfterSeconds) }));
    }
    const account = await deps.accounts.findByEmail(email.data);
    if (account?.hasPassword) return renderSigninPage(deps, req, res, 200, { email: email.data, returnTo }, { passwordStep: true });
    await sendLinkAndAnswer(deps, req, res, email.data, returnTo, newsletter);
  });

  return router;
}
