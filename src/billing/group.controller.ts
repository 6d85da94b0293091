import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { AppError } from '../http/app-error';
import type { Csrf } from '../http/csrf';
import type { Messages } from '../http/i18n';
import { tokenInAddress } from '../http/security';
import type { GroupService } from './group.service';

const tokenPattern = /^[A-Za-z0-9_-]{43}$/;
const idPattern = /^[A-Za-z0-9-]{1,64}$/;
const backToGroup = '/account#group';

/**
 * The group's part of /account (invite, remove) and the invitation link,
 * `/groups/join/:token`: GET shows a confirm page (a mail scanner fetching the link spends
 * nothing), POST accepts it. The rules are GroupService's.
 */
export function groupRoutes(deps: { groups: GroupService; csrf: Csrf; messages: Messages }): Router {
  const { groups, csrf, messages } = deps;
  const router = Router();

  const signedIn: RequestHandler = (req, res, next) => {
    // A refusal on these forms leads back to the group's part of the account page.
    res.locals.backTo = backToGroup;
    if (req.user) return next();
    res.redirect(303, `/signin?returnTo=${encodeURIComponent('/account')}`);
  };
  const idOf = (value: unknown): string => {
    if (typeof value !== 'string' || !idPattern.test(value)) throw new AppError(404, messages.t('group.nothingToRemove'));
    return value;
  };

  router.post('/account/group/invite', signedIn, async (req, res) => {
    const form = z.object({ email: z.string().max(4096).optional() }).safeParse(req.body ?? {});
    await groups.invite(req.user!.id, form.success ? form.data.email : undefined);
    res.redirect(303, backToGroup);
  });

  router.post('/account/group/members/:id/remove', signedIn, async (req, res) => {
    await groups.removeMember(req.user!.id, idOf(req.params.id));
    res.redirect(303, backToGroup);
  });

  router.post('/account/group/invitations/:id/remove', signedIn, async (req, res) => {
    await groups.removeInvitation(req.user!.id, idOf(req.params.id));
    res.redirect(303, backToGroup);
  });

  const tokenOf = (value: unknown): string => {
    if (typeof value !== 'string' || !tokenPattern.test(value)) throw new AppError(400, messages.t('group.linkInvalid'));
    return value;
  };

  router.get('/groups/join/:token', tokenInAddress, async (req, res) => {
    const token = tokenOf(req.params.token);
    const found = await groups.invitationFor(token, req.user?.id);
    if (found === undefined) throw new AppError(400, messages.t('group.linkInvalid'));
    const here = `/groups/join/${token}`;
    res.render('group-join', {
      title: messages.t('group.joinTitle'),
      token,
      invitation: found.invitation,
      signedIn: req.user !== undefined,
      // The session's account may be another one than the invitation's: the page says so, and the POST refuses.
      matches: found.matches,
      verified: found.verified,
      returnTo: encodeURIComponent(here),
      csrfToken: req.user === undefined ? undefined : csrf.token(req),
    });
  });

  router.post('/groups/join/:token', tokenInAddress, async (req, res) => {
    const token = tokenOf(req.params.token);
    if (req.user === undefined) return res.redirect(303, `/signin?returnTo=${encodeURIComponent(`/groups/join/${token}`)}`);
    await groups.join(token, req.user.id);
    res.render('group-joined', { title: messages.t('group.joinedTitle') });
  });

  return router;
}
