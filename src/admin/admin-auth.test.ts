import type { Request, Response } from 'express';
import { AppError } from '../http/app-error';
import type { Csrf } from '../http/csrf';
import { adminSignInMaxAgeMs, requireAdmin } from './admin-auth';

const now = Date.parse('2026-12-01T09:00:00Z');

function build(mode: 'api' | 'page', passkey: { required: boolean; provenAt?: number } = { required: false }) {
  const protectedBy: string[] = [];
  const csrf = { protect: (_req: Request, _res: Response, next: () => void) => (protectedBy.push('csrf'), next()) } as unknown as Csrf;
  const guard = requireAdmin({
    accounts: { findById: async (id) => (id === 'admin' ? { isAdmin: true } : id === 'reader' ? { isAdmin: false } : undefined) },
    keys: { verify: async (key) => (key === 'gh_good' ? 'key_1' : undefined) },
    mode,
    csrf,
    clock: () => now,
    requirePasskey: passkey.required,
    passkeys: { provenAt: () => passkey.provenAt },
  });
  return { guard, protectedBy };
}

/** Runs the guard; what it did: passed on, redirected, or refused with a status. */
async function run(guard: ReturnType<typeof requireAdmin>, req: Partial<Request>): Promise<string> {
  let outcome = 'nothing';
  const res = {
    set: () => res,
    status: (code: number) => ({ render: (view: string) => void (outcome = `page ${code} ${view}`) }),
    redirect: (_status: number, to: string) => void (outcome = `redirect ${to}`),
  } as unknown as Response;
  const request = { headers: {}, originalUrl: '/admin', session: {}, ...req } as Request;
  try {
    await guard(request, res, () => void (outcome = outcome === 'nothing' ? 'next' : outcome));
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    outcome = `refused ${error.status}`;
  }
  return outcome;
}

const admin = (authAt: number) => ({ user: { id: 'admin' } as Express.User, session: { authAt } as Request['session'] });

describe('requireAdmin', () => {
  it('when an API call carries a valid key, then it passes without a CSRF check', async () => {
    const { guard, protectedBy } = build('api');
    expect(await run(guard, { headers: { authorization: 'Bearer gh_good' } })).toBe('next');
    expect(protectedBy).toEqual([]);
  });

  it('when an API call carries an unknown or malformed key, then 401', async () => {
    const { guard } = build('api');
    expect(await run(guard, { headers: { authorization: 'Bearer gh_bad' } })).toBe('refused 401');
    expect(await run(guard, { headers: { authorization: 'Basic x' } })).toBe('refused 401');
  });

  it('when nobody is signed in, then a page redirects to sign-in and the API answers 401', async () => {
    expect(await run(build('page').guard, {})).toBe('redirect /signin?returnTo=%2Fadmin');
    expect(await run(build('api').guard, {})).toBe('refused 401');
  });

  it('when a reader who is not an admin is signed in, then 403', async () => {
    expect(await run(build('page').guard, { user: { id: 'reader' } as Express.User, session: { authAt: now } as Request['session'] })).toBe('refused 403');
  });

  it("when the admin's sign-in is older than 12 hours by the clock, then sign in again", async () => {
    const stale = admin(now - adminSignInMaxAgeMs - 1);
    expect(await run(build('page').guard, stale)).toBe('redirect /signin?reauth=1&returnTo=%2Fadmin');
    expect(await run(build('api').guard, stale)).toBe('refused 401');
    expect(await run(build('page').guard, admin(now - adminSignInMaxAgeMs))).toBe('next');
  });

  it("when an admin's session calls the API, then the CSRF check runs", async () => {
    const { guard, protectedBy } = build('api');
    expect(await run(guard, admin(now))).toBe('next');
    expect(protectedBy).toEqual(['csrf']);
  });

  describe('when ADMIN_REQUIRE_PASSKEY is on', () => {
    it('when the session signed in without a passkey, then the page explains it and the API answers 403', async () => {
      const required = { required: true };
      expect(await run(build('page', required).guard, admin(now))).toBe('page 403 admin-passkey-required');
      const api = build('api', required);
      expect(await run(api.guard, admin(now))).toBe('refused 403');
      expect(api.protectedBy).toEqual([]);
    });

    it('when the session signed in with a passkey, then it passes', async () => {
      expect(await run(build('page', { required: true, provenAt: now - 1000 }).guard, admin(now))).toBe('next');
      const api = build('api', { required: true, provenAt: now });
      expect(await run(api.guard, admin(now))).toBe('next');
      expect(api.protectedBy).toEqual(['csrf']);
    });

    it('when the passkey sign-in is older than 12 hours, then it counts no more', async () => {
      expect(await run(build('page', { required: true, provenAt: now - adminSignInMaxAgeMs - 1 }).guard, admin(now))).toBe('page 403 admin-passkey-required');
    });

    it('when an API call carries a valid key, then no passkey is asked for', async () => {
      expect(await run(build('api', { required: true }).guard, { headers: { authorization: 'Bearer gh_good' } })).toBe('next');
    });

    it('when the setting is off, then a session without a passkey passes as before', async () => {
      expect(await run(build('page', { required: false }).guard, admin(now))).toBe('next');
    });
  });
});
