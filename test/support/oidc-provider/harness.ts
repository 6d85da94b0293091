import pino from 'pino';
import request from 'supertest';
import { csrfTokenIn } from '../http';
import { freePort, listen } from '../browser';
import type { Clock } from '../../../src/config/clock';
import { startTestApp, type Mode, type TestApp } from '../test-app';
import { loginAtProvider, startHangingServer, startOpenIdProvider, type RunningProvider, type TestUser } from './index';

export type Agent = ReturnType<typeof request.agent>;
export type ProviderName = 'op' | 'apple' | 'past' | 'plain';

export const clientId = 'gatehouse-test';
export const clientSecret = 'a-client-secret-for-the-tests';

export interface OidcHarness {
  readonly t: TestApp;
  readonly base: string;
  /** Email from userinfo only (oidc-provider's defaults), answers by query. */
  readonly op: RunningProvider;
  /** Apple-like: email claims in the ID token, answers by form_post. */
  readonly apple: RunningProvider;
  /** Its clock runs two hours behind: every ID token it signs has expired. */
  readonly past: RunningProvider;
  /**
   * "plain" is op's issuer again under another name, with OIDC_PLAIN_TRUST_EMAIL unset: its
   * email_verified is not trusted (op and apple stand for Google and Apple, which are).
   */
  /** A reader's browser: cookies kept, redirects not followed. */
  agent(): Agent;
  /**
   * Goes through "Continue with <provider>" as a browser would: Gatehouse's redirect, the
   * provider's login (as `user`), and back to the callback (for form_post, a cross-site POST
   * that carries no cookie, then the GET it is sent on to). Returns the callback's answer.
   */
  continueWith(agent: Agent, provider: ProviderName, user: TestUser | 'deny', returnTo?: string): Promise<request.Response>;
  /** The same, stopping at the provider's answer (to tamper with or replay it). */
  answerFor(agent: Agent, provider: ProviderName, user: TestUser | 'deny', returnTo?: string): Promise<URL>;
  /**
   * "Link <label>" on /account, as the signed-in `agent`'s browser would: the form with its
   * CSRF token, the provider's login, back to the callback. Returns the form's answer when it
   * does not lead to the provider (a 403 asking to sign in again), else the callback's.
   */
  linkWith(agent: Agent, provider: ProviderName, user: TestUser): Promise<request.Response>;
  close(): Promise<void>;
}

let subjects = 0;
/** A provider account no test has used: a new `sub` and email. */
export function newUser(verified: boolean | string = true): TestUser & { sub: string; email: string } {
  subjects += 1;
  const id = `${Date.now().toString(36)}${subjects}`;
  return { sub: `sub-${id}`, email: `oidc-${id}@example.com`, email_verified: verified };
}

/**
 * Gatehouse on a real port (PUBLIC_URL is its own address, which the providers redirect to),
 * three real OpenID Providers in child processes, one port with nothing on it and one server
 * that never answers. `extraEnv` and `extraProviders` add providers of a test's own; `clock`
 * is the app's (the providers keep theirs).
 */
export async function startOidcHarness(mode: Mode, extraEnv: Record<string, string> = {}, extraProviders: string[] = [], options: { clock?: Clock } = {}): Promise<OidcHarness> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const client = (...names: string[]) => ({ client_id: clientId, client_secret: clientSecret, redirect_uris: names.map((name) => `${base}/signin/oidc/${name}/callback`) });
  const started = await Promise.allSettled([
    startOpenIdProvider({ clients: [client('op', 'plain')] }),
    startOpenIdProvider({ clients: [client('apple')], idTokenClaims: true }),
    startOpenIdProvider({ clients: [client('past')], clockOffsetMs: -2 * 60 * 60 * 1000 }),
  ]);
  const failed = started.find((s) => s.status === 'rejected');
  if (failed !== undefined) {
    await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.stop() : undefined)));
    throw (failed as PromiseRejectedResult).reason;
  }
  const [op, apple, past] = started.map((s) => (s as PromiseFulfilledResult<RunningProvider>).value) as [RunningProvider, RunningProvider, RunningProvider];
  const [hanging, downPort] = await Promise.all([startHangingServer(), freePort()]);
  const provider = (name: string, issuer: string, extra: Record<string, string> = {}) => ({
    [`OIDC_${name}_ISSUER`]: issuer,
    [`OIDC_${name}_CLIENT_ID`]: clientId,
    [`OIDC_${name}_CLIENT_SECRET`]: clientSecret,
    ...extra,
  });
  const t = await startTestApp(mode, {
    ...(options.clock ? { clock: options.clock } : {}),
    // OIDC_TEST_LOG=warn shows what the app logs (the tests' default is silence).
    ...(process.env.OIDC_TEST_LOG ? { logger: pino({ level: process.env.OIDC_TEST_LOG }) } : {}),
    env: {
      PUBLIC_URL: base,
      OIDC_PROVIDERS: ['op', 'apple', 'past', 'plain', 'down', 'slow', ...extraProviders].join(','),
      ...provider('OP', op.issuer, { OIDC_OP_LABEL: 'Test Provider', OIDC_OP_TRUST_EMAIL: 'true' }),
      ...provider('APPLE', apple.issuer, { OIDC_APPLE_RESPONSE_MODE: 'form_post', OIDC_APPLE_TRUST_EMAIL: 'true' }),
      ...provider('PLAIN', op.issuer, { OIDC_PLAIN_LABEL: 'Plain Provider' }),
      ...provider('PAST', past.issuer),
      ...provider('DOWN', `http://127.0.0.1:${downPort}`),
      ...provider('SLOW', hanging.url),
      ...extraEnv,
    },
  });
  const server = await listen(t.app, port);
  const providers = { op, apple, past, plain: op };

  /** From Gatehouse's redirect to the provider (`start`) to its answer, as the browser is sent back with it. */
  async function answerTo(start: request.Response): Promise<URL> {
    if (start.status !== 303) throw new Error(`the start answered ${start.status}: ${start.text.slice(0, 300)}`);
    const answer = await loginAtProvider(start.headers.location as string, base);
    if (answer.method === 'GET') return answer.url;
    // form_post: the provider's page posts across sites, so the browser sends no Lax cookie.
    const posted = await request(base).post(answer.url.pathname).type('form').send(answer.fields);
    if (posted.status !== 303) throw new Error(`the form_post callback answered ${posted.status}: ${posted.text.slice(0, 300)}`);
    return new URL(posted.headers.location as string, base);
  }

  async function answerFor(agent: Agent, name: ProviderName, user: TestUser | 'deny', returnTo = '/'): Promise<URL> {
    await providers[name].nextLogin(user);
    return answerTo(await agent.get(`/signin/oidc/${name}?returnTo=${encodeURIComponent(returnTo)}`));
  }

  return {
    t,
    base,
    op,
    apple,
    past,
    agent: () => request.agent(base),
    answerFor,
    async continueWith(agent, name, user, returnTo) {
      const answer = await answerFor(agent, name, user, returnTo);
      return agent.get(`${answer.pathname}${answer.search}`);
    },
    async linkWith(agent, name, user) {
      const page = await agent.get('/account');
      if (page.status !== 200) throw new Error(`the account page answered ${page.status}`);
      const start = await agent.post(`/account/identities/link/${name}`).type('form').send({ _csrf: csrfTokenIn(page.text) });
      if (start.status !== 303 || !String(start.headers.location).startsWith(providers[name].issuer)) return start;
      await providers[name].nextLogin(user);
      const answer = await answerTo(start);
      return agent.get(`${answer.pathname}${answer.search}`);
    },
    async close() {
      await server.close();
      await t.close();
      await Promise.all([op.stop(), apple.stop(), past.stop(), hanging.close()]);
    },
  };
}
