import type { Request, Response } from 'express';
import type { Csrf } from '../../http/csrf';
import type { SignInEffects } from '../sign-in-methods';
import { completeSignIn } from '../sign-in-methods';
import { passwordRemovedPath } from '../signin-links.controller';
import type { SignedIn } from './oidc.service';

export interface Problem {
  readonly title: string;
  readonly message: string;
}

/**
 * A page that says what went wrong with a provider and offers the other ways in, leading
 * back to where the reader was. Always a 4xx: the provider's trouble is not an error here.
 */
export function renderProblem(csrf: Csrf, req: Request, res: Response, status: number, problem: Problem, returnTo: string, retryAfterSeconds?: number): void {
  if (retryAfterSeconds !== undefined) res.set('Retry-After', String(retryAfterSeconds));
  res.status(status).render('oidc-problem', { ...problem, returnTo, csrfToken: csrf.token(req) });
}

/** Whether the session middleware ran for this request (completeSignIn needs it: passport's logIn, a session to regenerate). */
export function hasSession(req: Request): boolean {
  return req.session !== undefined && typeof req.logIn === 'function';
}

/** Every way in ends here: a new session (completeSignIn), then back to where the reader was. */
export async function signInAndReturn(req: Request, res: Response, effects: SignInEffects, result: SignedIn): Promise<void> {
  // A request that reached here without the session middleware fails safe: a page, never a 500.
  if (!hasSession(req)) return renderProblem(effects.csrf, req, res, 400, problems.incomplete('the provider'), result.returnTo);
  await completeSignIn(req, result.account, effects, 'provider', result.created);
  if (!result.passwordRemoved) return res.redirect(303, result.returnTo);
  req.session.passwordRemoved = { returnTo: result.returnTo };
  res.redirect(303, passwordRemovedPath);
}

export function minutes(seconds: number): string {
  const m = Math.ceil(seconds / 60);
  return m === 1 ? '1 minute' : `${m} minutes`;
}

export const problems = {
  unavailable: (label: string): Problem => ({
    title: `${label} is not answering`,
    message: `We could not reach ${label} just now, so you are not signed in. Try again in a minute, or use another way in below.`,
  }),
  rejected: (label: string): Problem => ({
    title: `Signing in with ${label} did not work`,
    message: `${label} did not confirm who you are, or its answer could not be checked. Nothing was changed. Try again, or use another way in below.`,
  }),
  cancelled: (label: string): Problem => ({
    title: `You did not sign in with ${label}`,
    message: `${label} says the sign-in was cancelled or refused. You can try again, or use another way in below.`,
  }),
  expired: (label: string): Problem => ({
    title: 'This sign-in has expired',
    message: `This sign-in with ${label} was started in another browser or tab, has expired, or was already used. Start again from this browser.`,
  }),
  noEmail: (label: string): Problem => ({
    title: `${label} did not share your email address`,
    message: `We need an email address for your account, and ${label} did not give one. Allow it to share your email, or use another way in below.`,
  }),
  unusableEmail: (label: string): Problem => ({
    title: `We cannot use the email address from ${label}`,
    message: `The email address ${label} gave holds characters we do not accept in an address, so you are not signed in and nothing was changed. Use another way in below.`,
  }),
  incomplete: (label: string): Problem => ({
    title: 'This sign-in could not be completed',
    message: `Signing in with ${label} could not be finished from this address. Start again from the sign-in page.`,
  }),
  linkedElsewhere: (label: string): Problem => ({
    title: `This ${label} account is linked to another account`,
    message: `The ${label} account you chose already signs in to a different account here. Sign in to that account and unlink it on its account page first.`,
  }),
  throttled: (seconds: number): Problem => ({
    title: 'Too many attempts',
    message: `Too many sign-ins with a provider from your network just now. Try again in ${minutes(seconds)}, or use another way in below.`,
  }),
};
