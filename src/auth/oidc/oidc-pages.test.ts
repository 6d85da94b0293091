import type { Request, Response } from 'express';
import type { SignInEffects } from '../sign-in-methods';
import { signInAndReturn, type Problem } from './oidc-pages';
import type { SignedIn } from './oidc.service';

/** A request that did not pass through the session middleware: no session, no passport. */
function requestWithoutSession(): Request {
  return { app: { get: () => false }, signedCookies: {}, res: undefined } as unknown as Request;
}

function recordingResponse() {
  const seen: { status?: number; view?: string; locals?: Problem & { returnTo: string }; redirect?: string } = {};
  const res = {
    set: () => res,
    status(code: number) {
      seen.status = code;
      return res;
    },
    render(view: string, locals: Problem & { returnTo: string }) {
      seen.view = view;
      seen.locals = locals;
    },
    redirect(_status: number, to: string) {
      seen.redirect = to;
    },
  };
  return { res: res as unknown as Response, seen };
}

const effects = { csrf: { token: () => 'a-token' }, meter: { carryOver: async () => undefined }, funnel: { record: () => undefined }, clock: () => 0 } as unknown as SignInEffects;
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
