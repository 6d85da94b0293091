import type { Request, Response } from 'express';
import type { Csrf } from '../../http/csrf';
import type { MessageRef, Messages } from '../../http/i18n';
import type { SignInEffects } from '../sign-in-methods';
import { completeSignIn } from '../sign-in-methods';
import { passwordRemovedPath } from '../signin-links.controller';
import type { SignedIn } from './oidc.service';

/** What went wrong, not yet in words: the page puts it in the LOCALE's language. */
export interface Problem {
  readonly title: MessageRef;
  readonly message: MessageRef;
}

/** What a problem page needs: the form token for its buttons, and the words. */
export interface ProblemPages {
  readonly csrf: Csrf;
  readonly messages: Messages;
}

/**
 * A page that says what went wrong with a provider and offers the other ways in, leading
 * back to where the reader was. Always a 4xx: the provider's trouble is not an error here.
 */
export function renderProblem(pages: ProblemPages, req: Request, res: Response, status: number, problem: Problem, returnTo: string, retryAfterSeconds?: number): void {
  if (retryAfterSeconds !== undefined) res.set('Retry-After', String(retryAfterSeconds));
  const { messages } = pages;
  res.status(status).render('oidc-problem', { title: messages.t(problem.title), message: messages.t(problem.message), returnTo, csrfToken: pages.csrf.token(req) });
}

/** Whether the session middleware ran for this request (completeSignIn needs it: passport's logIn, a session to regenerate). */
export function hasSession(req: Request): boolean {
  return req.session !== undefined && typeof req.logIn === 'function';
}

/** Every way in ends here: a new session (completeSignIn), then back to where the reader was. */
export async function signInAndReturn(req: Request, res: Response, effects: SignInEffects & ProblemPages, result: SignedIn): Promise<void> {
  // A request that reached here without the session middleware fails safe: a page, never a 500.
  if (!hasSession(req)) return renderProblem(effects, req, res, 400, problems.incomplete(theProvider), result.returnTo);
  await completeSignIn(req, result.account, effects, 'provider', result.created);
  if (!result.passwordRemoved) return res.redirect(303, result.returnTo);
  req.session.passwordRemoved = { returnTo: result.returnTo };
  res.redirect(303, passwordRemovedPath);
}

/** A provider's name as its pages say it: its label, or words for one not named ("the provider"). */
type Label = string | MessageRef;
export const theProvider: MessageRef = { key: 'oidc.theProvider' };
export const someProvider: MessageRef = { key: 'oidc.someProvider' };

const problem = (name: 'unavailable' | 'rejected' | 'cancelled' | 'expired' | 'noEmail' | 'unusableEmail' | 'incomplete' | 'linkedElsewhere') => (label: Label): Problem => ({
  title: { key: `oidc.${name}Title`, params: { label } },
  message: { key: `oidc.${name}`, params: { label } },
});

export const problems = {
  unavailable: problem('unavailable'),
  rejected: problem('rejected'),
  cancelled: problem('cancelled'),
  expired: problem('expired'),
  noEmail: problem('noEmail'),
  unusableEmail: problem('unusableEmail'),
  incomplete: problem('incomplete'),
  linkedElsewhere: problem('linkedElsewhere'),
  throttled: (seconds: number): Problem => ({
    title: { key: 'error.title429' },
    // Minutes, rounded up, as the wait is said everywhere else.
    message: { key: 'oidc.throttled', params: { wait: { key: 'common.minutes', params: { count: Math.max(1, Math.ceil(seconds / 60)) } } } },
  }),
  notOpen: { title: { key: 'oidc.notOpenTitle' }, message: { key: 'oidc.notOpen' } } satisfies Problem,
  otherBrowser: { title: { key: 'oidc.otherBrowserTitle' }, message: { key: 'oidc.otherBrowser' } } satisfies Problem,
};
