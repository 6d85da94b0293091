import { Router } from 'express';
import { z } from 'zod';
import { AppError } from '../http/app-error';
import type { Messages } from '../http/i18n';
import type { GiftsService } from './gifts.service';

const giveForm = z.object({ path: z.string().min(1).max(2048) });
const linkId = z.string().uuid();

/**
 * `POST /gifts` (a subscriber makes a link for the article at `path`) and
 * `POST /account/gifts/:id/revoke`. The CSRF token is checked before these, for every POST.
 */
export function giftRoutes(deps: { readonly service: GiftsService; readonly messages: Messages }): Router {
  const { service, messages } = deps;
  const router = Router();

  router.post('/gifts', async (req, res) => {
    if (req.user === undefined) throw new AppError(403, messages.t('gifts.notSubscriber'));
    const form = giveForm.safeParse(req.body);
    if (!form.success) throw new AppError(400, messages.t('gifts.notArticle'));
    const outcome = await service.give(req.user.id, form.data.path);
    if (outcome.kind === 'not-subscriber') throw new AppError(403, messages.t('gifts.notSubscriber'));
    if (outcome.kind === 'not-article') throw new AppError(400, messages.t('gifts.notArticle'));
    if (outcome.kind === 'all-used') throw new AppError(429, messages.t('gifts.allUsed', { perMonth: outcome.perMonth }));
    res.set('Cache-Control', 'private, no-store');
    res.status(201).format({
      json: () => res.json({ url: outcome.url, expiresAt: outcome.expiresAt.toISOString() }),
      html: () => res.render('gift-link', { title: messages.t('gifts.linkTitle'), gift: { ...outcome, expiresAt: outcome.expiresAt.toISOString() } }),
    });
  });

  router.post('/account/gifts/:id/revoke', async (req, res) => {
    if (req.user === undefined) return res.redirect(303, '/signin?returnTo=%2Faccount');
    const id = linkId.safeParse(req.params.id);
    if (!id.success || !(await service.revoke(id.data, req.user.id))) throw new AppError(404, messages.t('gifts.notFound'));
    res.redirect(303, '/account#gifts');
  });

  return router;
}
