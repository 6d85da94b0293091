import { Router, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import type { Clock } from '../../config/clock';
import { AppError } from '../../http/app-error';
import type { Messages } from '../../http/i18n';
import type { Account } from '../accounts.repository';
import { recentSignInMs } from '../passwords.service';
import { asRegistration, registrationBody } from './passkey-responses';
import { passkeyProvenAt, sessionBinding } from './passkey-session';
import { PasskeyRejected, type ChangeProof, type PasskeysService } from './passkeys.service';

export interface PasskeyAccountRoutesDeps {
  readonly service: PasskeysService;
  readonly accounts: { findById(id: string): Promise<Account | undefined> };
  readonly secret: string;
  readonly clock: Clock;
  readonly messages: Messages;
}

const reauthPath = '/signin?reauth=1&returnTo=%2Faccount%23passkeys';
const credentialId = z.string().min(1).max(1_400).regex(/^[A-Za-z0-9_-]+$/);

/**
 * "Add a passkey" and "Remove" on /account. Adding one is a new way into the account, so it
 * takes a sign-in within the last 15 minutes (as a change of email does): a session left
 * open on a shared computer, or ridden by someone who took its cookie, cannot plant a key
 * that outlives a password change. Removing one takes only the session (and CSRF): it locks
 * nobody in or out, every other way in stays. An admin's passkeys take more (checkMayChange):
 * a passkey sign-in to change them, and an emailed-link sign-in for the first one.
 */
export function passkeyAccountRoutes(deps: PasskeyAccountRoutesDeps): Router {
  const router = Router();
  const { service, secret, clock, messages } = deps;
  const recent = (req: Request) => clock() - (req.session.authAt ?? 0) < recentSignInMs;
  const proofOf = (req: Request): ChangeProof => ({ provenWithPasskey: passkeyProvenAt(req) !== undefined, recentEmailLink: req.session.wayIn === 'email-link' && recent(req) });

  /** The signed-in account, for the script: JSON, never a redirect. */
  const signedInJson: RequestHandler = async (req, res, next) => {
    const account = req.user === undefined ? undefined : await deps.accounts.findById(req.user.id);
    if (account === undefined) return res.status(401).json({ error: messages.t('passkeys.errorSignInToAdd'), signIn: reauthPath });
    res.locals.passkeyAccount = account;
    next();
  };
  const recentOnly: RequestHandler = (req, res, next) => {
    if (recent(req)) return next();
    res.status(403).json({ error: messages.t('passkeys.errorReauth'), signIn: reauthPath });
  };
  const rejected = (res: Response, error: unknown) => {
    if (error instanceof PasskeyRejected) return res.status(error.status).json({ error: error.message, ...(error.signIn === undefined ? {} : { signIn: error.signIn }) });
    throw error;
  };

  router.post('/account/passkeys/options', signedInJson, recentOnly, async (req, res) => {
    const account = res.locals.passkeyAccount as Account;
    try {
      await service.checkMayChange(account, proofOf(req), 'add');
      res.json(await service.registrationOptions(account, sessionBinding(req, secret)));
    } catch (error) {
      rejected(res, error);
    }
  });

  router.post('/account/passkeys', signedInJson, async (req, res) => {
    const account = res.locals.passkeyAccount as Account;
    const body = registrationBody.safeParse(req.body ?? {});
    if (!body.success) return res.status(400).json({ error: messages.t('passkeys.errorUnreadable') });
    try {
      await service.checkMayChange(account, proofOf(req), 'add');
      const passkey = await service.register(account, sessionBinding(req, secret), asRegistration(body.data), body.data.name || undefined);
      res.status(201).json({ passkey, redirect: '/account#passkeys' });
    } catch (error) {
      rejected(res, error);
    }
  });

  // A plain form: removing works without JavaScript.
  router.post('/account/passkeys/:id/remove', async (req, res) => {
    if (req.user === undefined) return res.redirect(303, '/signin?returnTo=%2Faccount');
    const account = await deps.accounts.findById(req.user.id);
    const id = credentialId.safeParse(req.params.id);
    if (account === undefined || !id.success) throw new AppError(404, messages.t('passkeys.errorNoSuch'));
    try {
      await service.remove(account, id.data, proofOf(req));
    } catch (error) {
      if (error instanceof PasskeyRejected) throw new AppError(error.status, error.message);
      throw error;
    }
    res.redirect(303, '/account#passkeys');
  });

  return router;
}
