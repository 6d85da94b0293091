import type { Request, Response } from 'express';
import { buildMessages } from '../../http/i18n';
import type { SignInEffects } from '../sign-in-methods';
import { problems, signInAndReturn, type ProblemPages } from './oidc-pages';
import type { SignedIn } from './oidc.service';

/** A request that did not pass through the session middleware: no session, no passport. */
function requestWithoutSession(): Request {
  return { app: { get: () => false }, signedCookies: {}, res: undefined } as unknown as Request;
}

function recordingResponse() {
  const seen: { status?: number; view?: string; locals?: { title: string; message: string; returnTo: string }; redirect?: string } = {};
  const res = {
    set: () => res,
    status(code: number) {
      seen.status = code;
      return res;
    },
    render(view: string, locals: { title: string; message: string; returnTo: string }) {
      seen.view = view;
      seen.locals = locals;
    },
    redirect(_status: number, to: string) {
      seen.redirect = to;
    },
  };
  return { res: res as unknown as Response, seen };
}

const effects = { csrf: { token: () => 'a-token' }, meter: { carryOver: async () => undefined }, funnel: { record: () => undefined }, clock: () => 0, messages: buildMessages('en') } as unknown as SignInEffects & ProblemPages;
const signedIn: SignedIn = {
  outcome: 'signed-in',
  account: { id: 'a', email: 'reader@example.com', isAdmin: false, createdAt: '2026-01-01T00:00:00.000Z', emailVerifiedAt: '2026-01-01T00:00:00.000Z', hasPassword: false },
  returnTo: '/articles/x',
  created: false,
  passwordRemoved: false,
};

describe('signInAndReturn', () => {
  it('when the request has no session (the session middleware did not run for it), then a readable 400 page, not a 500', async () => {
    const { res, seen } = recordingResponse();
    await expect(signInAndReturn(requestWithoutSession(), res, effects, signedIn)).resolves.toBeUndefined();
    expect(seen).toMatchObject({ status: 400, view: 'oidc-problem', locals: { title: 'This sign-in could not be completed', returnTo: '/articles/x' } });
    expect(seen.redirect).toBeUndefined();
  });
});

describe('problems', () => {
  const en = buildMessages('en');
  const de = buildMessages('de');

  it('when a provider is named, then its label is in the words; when not, the catalog says "the provider" in its own language', () => {
    expect(en.t(problems.unavailable('Google').title)).toBe('Google is not answering');
    expect(de.t(problems.unavailable('Google').title)).toBe('Google antwortet nicht');
    expect(en.t(problems.linkedElsewhere({ key: 'oidc.someProvider' }).title)).toBe('This provider account is linked to another account');
    expect(de.t(problems.incomplete({ key: 'oidc.theProvider' }).message)).toContain('Die Anmeldung mit dem Anbieter konnte');
  });

  it('when sign-ins are throttled, then the wait is in minutes, rounded up, with the plural of the language', () => {
    expect(en.t(problems.throttled(61).message)).toContain('Try again in 2 minutes,');
    expect(en.t(problems.throttled(30).message)).toContain('Try again in 1 minute,');
    expect(de.t(problems.throttled(30).message)).toContain('in 1 Minute erneut');
    expect(de.t(problems.throttled(30).title)).toBe(de.t('error.title429'));
  });
});
