import { Router } from 'express';
import { AppError } from '../../http/app-error';
import type { Messages } from '../../http/i18n';
import type { OidcService } from './oidc.service';

const idPattern = /^[0-9a-f-]{36}$/;

/** `POST /account/identities/:id/unlink` (CSRF as every form): only the reader's own, never the last way in. */
export function identitiesRoutes(deps: { readonly service: OidcService; readonly messages: Messages }): Router {
  const router = Router();

  router.post('/account/identities/:id/unlink', async (req, res) => {
    if (!req.user) return res.redirect(303, '/signin?returnTo=%2Faccount');
    const id = req.params.id;
    const outcome = idPattern.test(id) ? await deps.service.unlink(req.user.id, id) : 'not-found';
    if (outcome === 'not-found') throw new AppError(404, deps.messages.t('identities.notLinked'));
    if (outcome === 'last-way-in') {
      return res.status(409).render('oidc-unlink-refused', { title: deps.messages.t('oidc.onlyWayInTitle') });
    }
    res.redirect(303, '/account');
  });

  return router;
}
