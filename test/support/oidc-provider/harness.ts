import pino from 'pino';
import request from 'supertest';
import { freePort, listen } from '../browser';
import { startTestApp, type Mode, type TestApp } from '../test-app';
import { loginAtProvider, startHangingServer, startOpenIdProvider, type RunningProvider, type TestUser } from './index';

export type Agent = ReturnType<typeof request.agent>;

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
  /** A reader's browser: cookies kept, redirects not followed. */
  agent(): Agent;
  /**
   * Goes through "Continue with <provider>" as a browser would: Gatehouse's redirect, the
   * provider's login (as `user`), and back to the callback (for form_post, a cross-site POST
   * that carries no cookie, then the GET it is sent on to). Returns the callback's answer.
   */
  continueWith(agent: Agent, provider: 'op' | 'apple' | 'past', user: TestUser | 'deny', returnTo?: string): Promise<request.Response>;
  /** The same, stopping at the provider's answer (to tamper with or replay it). */
  answerFor(agent: Agent, provider: 'op' | 'apple' | 'past', user: TestUser | 'deny', returnTo?: string): Promise<URL>;
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
 * that never answers. `extraEnv` and `extraProviders` add providers of a test's own.
 */
export async function startOidcHarness(mode: Mode, extraEnv: Record<string, string> = {}, extraProviders: string[] = []): Promise<OidcHarness> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const client = (name: string) => ({ client_id: clientId, client_secret: clientSecret, redirect_uris: [`${base}/signin/oidc/${name}/callback`] });
  const started = await Promise.allSettled([
    startOpenIdProvider({ clients: [client('op')] }),
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
    // OIDC_TEST_LOG=warn shows what the app logs (the tests' default is silence).
    ...(process.env.OIDC_TEST_LOG ? { logger: pino({ level: process.env.OIDC_TEST_LOG }) } : {}),
    env: {
      PUBLIC_URL: base,
      OIDC_PROVIDERS: ['op', 'apple', 'past', 'down', 'slow', ...extraProviders].join(','),
      ...provider('OP', op.issuer, { OIDC_OP_LABEL: 'Test Provider' }),
      ...provider('APPLE', apple.issuer, { OIDC_APPLE_RESPONSE_MODE: 'form_post' }),
      ...provider('PAST', past.issuer),
      ...provider('DOWN', `http://127.0.0.1:${downPort}`),
      ...provider('SLOW', hanging.url),
      ...extraEnv,
    },
  });
  const server = await listen(t.app, port);
  const providers = { op, apple, past };

  async function answerFor(agent: Agent, name: 'op' | 'apple' | 'past', user: TestUser | 'deny', returnTo = '/'): Promise<URL> {
    await providers[name].nextLogin(user);
    const start = await agent.get(`/signin/oidc/${name}?returnTo=${encodeURIComponent(returnTo)}`);
    if (start.status !== 303) throw new Error(`the start answered ${start.status}: ${start.text.slice(0, 300)}`);
    const answer = await loginAtProvider(start.headers.location as string, base);
    if (answer.method === 'GET') return answer.url;
    // form_post: the provider's page posts across sites, so the browser sends no Lax cookie.
    const posted = await request(base).post(answer.url.pathname).type('form').send(answer.fields);
    if (posted.status !== 303) throw new Error(`the form_post callback answered ${posted.status}: ${posted.text.slice(0, 300)}`);
    return new URL(posted.headers.location as string, base);
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
    async close() {
      await server.close();
      await t.close();
      await Promise.all([op.stop(), apple.stop(), past.stop(), hanging.close()]);
    },
  };
}
