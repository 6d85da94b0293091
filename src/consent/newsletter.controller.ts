import { Router } from 'express';
import { z } from 'zod';
import { AppError } from '../http/app-error';
import type { Messages } from '../http/i18n';
import type { NewsletterService } from './newsletter.service';

const choiceForm = z.object({ subscribe: z.enum(['yes', 'no']) });

/**
 * `POST /account/newsletter` (CSRF, as every form): the /account section's button. The form
 * says which state the reader asks for, not "toggle", so a form sent twice changes nothing more.
 */
export function newsletterRoutes(service: NewsletterService, messages: Messages): Router {
  const router = Router();
  router.post('/account/newsletter', async (req, res) => {
    if (req.user === undefined) return res.redirect(303, '/signin?returnTo=%2Faccount');
    const form = choiceForm.safeParse(req.body ?? {});
    // Only the section's two buttons send this form: anything else is a bad request.
    if (!form.success) throw new AppError(400, messages.t('error.badRequest'));
    await service.choose(req.user.id, form.data.subscribe === 'yes');
    res.redirect(303, '/account#newsletter');
  });
  return router;
}
