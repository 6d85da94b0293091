import { Router } from 'express';
import type { ArticleSource } from '../articles/article';
import type { AccountsRepository } from '../auth/accounts.repository';
import { AppError } from '../http/app-error';
import { meterLimitFor } from './access-decision';
import type { GateService } from './gate.service';
import type { ReaderOf } from './reader-of';

/** The same decisions as the pages, as JSON, without counting a view (SPEC section 5). */
export function accessApiRoutes(source: ArticleSource, gate: GateService, accounts: AccountsRepository, readerOf: ReaderOf): Router {
  const router = Router();

  router.get('/api/access/:slug', async (req, res) => {
    const article = await source.get(req.params.slug);
    if (article === undefined) throw new AppError(404, 'No article has this slug.');
    const result = await gate.decide(article, await readerOf(req, res, 'peek'), 'peek');
    res.set('Cache-Control', 'private, no-store');
    res.json({ decision: result.decision, limit: result.limit, remaining: result.remaining });
  });

  router.get('/api/me', async (req, res) => {
    const accountId = req.user?.id;
    const account = accountId === undefined ? undefined : await accounts.findById(accountId);
    // Any metered article gives the reader's meter state; a synthetic one touches no real article.
    const probe = { slug: '\u0000meter-probe', access: 'metered' as const, section: '' };
    const reader = await readerOf(req, res, 'peek');
    const result = await gate.decide(probe, { ...reader, accountId: account?.id }, 'peek');
    const limit = meterLimitFor({ signedIn: account !== undefined, capped: reader.capped }, result.settings);
    res.set('Cache-Control', 'private, no-store');
    res.json({
      signedIn: account !== undefined,
      email: account?.email ?? null,
      emailVerified: account?.emailVerifiedAt !== undefined,
      entitlement: result.entitlement,
      meter: {
        limit,
        used: Math.min(result.used, limit),
        remaining: Math.max(0, limit - result.used),
        periodEndsAt: result.periodEndsAt.toISOString(),
      },
    });
  });

  return router;
}
