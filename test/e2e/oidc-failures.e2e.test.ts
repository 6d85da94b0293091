import { describeMode, modes } from '../support/test-app';
import { csrfTokenIn } from '../support/http';
import { freePort } from '../support/browser';
import { startOpenIdProvider, type RunningProvider } from '../support/oidc-provider';
import { clientId, clientSecret, newUser, startOidcHarness, type Agent, type OidcHarness } from '../support/oidc-provider/harness';

for (const mode of modes) {
  describeMode(mode)(`continue with a provider, when things go wrong (${mode})`, () => {
    let h: OidcHarness;
    let laterPort: number;
    let later: RunningProvider | undefined;
    beforeAll(async () => {
      // "later": a provider that is down when the app starts and comes up during a test.
      laterPort = await freePort();
      h = await startOidcHarness(mode, { OIDC_LATER_ISSUER: `http://127.0.0.1:${laterPort}`, OIDC_LATER_CLIENT_ID: clientId, OIDC_LATER_CLIENT_SECRET: clientSecret }, ['later']);
    }, 60_000);
    afterAll(async () => {
      await later?.stop();
      await h.close();
    });

    const me = async (agent: Agent) => (await agent.get('/api/me').expect(200)).body as { signedIn: boolean; email: string | null };
    /** A readable page: no 5xx, no stack trace, the other ways in leading back to `returnTo`. */
    const expectReadable = (response: { status: number; text: string }, status: number, returnTo: string) => {
      expect(response.status).toBe(status);
      expect(response.text).not.toMatch(/at [\w.<>]+ \(|Error:/);
      expect(response.text).toContain(`href="/signin/email?returnTo=${encodeURIComponent(returnTo)}"`);
    };

    it('when the provider is not configured, then 404', async () => {
      expect((await h.agent().get('/signin/oidc/nobody')).status).toBe(404);
      expect((await h.agent().get('/signin/oidc/nobody/callback?code=x&state=y')).status).toBe(404);
    });

    it('when the redirect is made, then it carries state, nonce, PKCE S256, the scopes and the redirect URI, and binds the request to this browser', async () => {
      const start = await h.agent().get('/signin/oidc/op?returnTo=%2Farticles%2Fx');
      expect(start.status).toBe(303);
      const url = new URL(start.headers.location as string);
      expect(url.origin).toBe(h.op.issuer);
      const params = Object.fromEntries(url.searchParams);
      expect(params).toMatchObject({ client_id: clientId, response_type: 'code', scope: 'openid email profile', code_challenge_method: 'S256', redirect_uri: `${h.base}/signin/oidc/op/callback` });
      expect(params.state).toMatch(/^[A-Za-z0-9_-]{40,}$/);
      expect(params.nonce).toMatch(/^[A-Za-z0-9_-]{40,}$/);
      expect(params.code_challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(params.response_mode).toBeUndefined();
      const cookie = ([] as string[]).concat(start.headers['set-cookie'] ?? []).find((c) => c.startsWith('gatehouse.oidc='));
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toMatch(/SameSite=Lax/i);
      expect(start.headers['cache-control']).toBe('private, no-store');
    });

    it('when the state in the answer is not the one sent, then 400 and nobody is signed in', async () => {
      const agent = h.agent();
      const answer = await h.answerFor(agent, 'op', newUser(), '/articles/x');
      answer.searchParams.set('state', 'not-the-state-we-sent');
      const back = await agent.get(`${answer.pathname}${answer.search}`);
      expectReadable(back, 400, '/articles/x');
      expect(await me(agent)).toMatchObject({ signedIn: false });
    });

    it("when an attacker hands a victim the callback of the attacker's own login (login CSRF), then the victim's browser gets a 400 and is not signed in", async () => {
      const attacker = h.agent();
      const answer = await h.answerFor(attacker, 'op', newUser());
      const victim = h.agent();
      const back = await victim.get(`${answer.pathname}${answer.search}`);
      expect(back.status).toBe(400);
      expect(back.text).toContain('This sign-in has expired');
      expect(await me(victim)).toMatchObject({ signedIn: false });
      // Even a victim in the middle of a sign-in of their own: the state is theirs, not the attacker's.
      await h.agent().get('/signin/oidc/op');
      const busy = h.agent();
      await busy.get('/signin/oidc/op').expect(303);
      expect((await busy.get(`${answer.pathname}${answer.search}`)).status).toBe(400);
      expect(await me(busy)).toMatchObject({ signedIn: false });
    });

    it('when a code is replayed, then 400: in the same browser the request is spent, and with a fresh state the provider refuses the used code', async () => {
      const agent = h.agent();
      const user = newUser();
      const answer = await h.answerFor(agent, 'op', user);
      const first = await agent.get(`${answer.pathname}${answer.search}`);
      expect(first.status).toBe(303);
      const replay = h.agent();
      expect((await replay.get(`${answer.pathname}${answer.search}`)).status).toBe(400);
      // A new request of its own, with the old code under the new state: the provider says no.
      const start = await replay.get('/signin/oidc/op').expect(303);
      const state = new URL(start.headers.location as string).searchParams.get('state')!;
      const forged = new URL(answer);
      forged.searchParams.set('state', state);
      const back = await replay.get(`${forged.pathname}${forged.search}`);
      expectReadable(back, 400, '/');
      expect(await me(replay)).toMatchObject({ signedIn: false });
    });

    it('when the ID token has expired, then 400 and nobody is signed in', async () => {
      const agent = h.agent();
      const back = await h.continueWith(agent, 'past', newUser(), '/articles/y');
      expectReadable(back, 400, '/articles/y');
      expect(back.text).toContain('did not work');
      expect(await me(agent)).toMatchObject({ signedIn: false });
    });

    it('when the reader says no at the provider, then a readable page that keeps the returnTo', async () => {
      const back = await h.continueWith(h.agent(), 'op', 'deny', '/articles/z');
      expectReadable(back, 400, '/articles/z');
      expect(back.text).toContain('You did not sign in with Test Provider');
    });

    it('when the provider is down, then a readable page below 500 that keeps the returnTo; once it is up, the next try works', async () => {
      const down = await h.agent().get('/signin/oidc/down?returnTo=%2Farticles%2Fdown');
      expectReadable(down, 424, '/articles/down');
      expect(down.text).toContain('is not answering');
      const first = await h.agent().get('/signin/oidc/later');
      expectReadable(first, 424, '/');
      // A failed discovery is not kept: the provider comes up, and the next reader gets through.
      later = await startOpenIdProvider({ port: laterPort, clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: [`${h.base}/signin/oidc/later/callback`] }] });
      const next = await h.agent().get('/signin/oidc/later');
      expect(next.status).toBe(303);
      expect(next.headers.location).toContain(`http://127.0.0.1:${laterPort}/`);
    });

    it('when the provider accepts the connection and never answers, then the reader gets a readable page once the 5 s timeout passes', async () => {
      const hung = await h.agent().get('/signin/oidc/slow?returnTo=%2Farticles%2Fslow').timeout(9_000);
      expectReadable(hung, 424, '/articles/slow');
    }, 15_000);

    it('when the provider answers by form_post (as Apple does), then the cross-site POST is sent on as a GET that carries the browser cookie, and the sign-up proceeds with the email from the ID token', async () => {
      const agent = h.agent();
      const user = newUser('true');
      const back = await h.continueWith(agent, 'apple', user, '/articles/apple');
      expect(back.status).toBe(303);
      expect(back.headers.location).toBe('/signin/oidc/confirm');
      const page = await agent.get('/signin/oidc/confirm').expect(200);
      expect(page.text).toContain(user.email);
      expect(page.text).toContain('from Apple');
    });

    it('when one network starts too many sign-ins with providers, then 429 with Retry-After, and other networks go on', async () => {
      const from = (network: string) => h.agent().get('/signin/oidc/op').set('X-Forwarded-For', network);
      const answers = [];
      for (let i = 0; i < 61; i++) answers.push((await from('198.51.100.77')).status);
      expect(answers.slice(0, 60).every((s) => s === 303)).toBe(true);
      const refused = await from('198.51.100.77');
      expect(refused.status).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(refused.text).toContain('Too many sign-ins with a provider');
      expect((await from('198.51.100.78')).status).toBe(303);
    });

    /** A provider identity with an account here already: coming back, it signs in (a new session). */
    const knownUser = async () => {
      const user = newUser();
      const agent = h.agent();
      expect((await h.continueWith(agent, 'op', user)).headers.location).toBe('/signin/oidc/confirm');
      const page = await agent.get('/signin/oidc/confirm').expect(200);
      const fields: Record<string, string> = { _csrf: csrfTokenIn(page.text) };
      for (const [, name, value] of page.text.matchAll(/name="(termsVersion|privacyVersion)" value="([^"]*)"/g)) fields[name!] = value!;
      expect((await agent.post('/signin/oidc/confirm').type('form').send(fields)).status).toBe(303);
      return user;
    };

    it('when the callback is reached as Express also routes it (a trailing slash, another case, a percent-encoded name), then it signs in as at its own address, never a 5xx', async () => {
      const user = await knownUser();
      for (const path of ['/signin/oidc/op/callback/', '/signin/oidc/op/CALLBACK', '/SIGNIN/OIDC/op/Callback/', '/signin/oidc/%6Fp/callback']) {
        const agent = h.agent();
        const answer = await h.answerFor(agent, 'op', user, '/articles/x');
        expect(answer.pathname).toBe('/signin/oidc/op/callback');
        const back = await agent.get(`${path}${answer.search}`);
        expect({ path, status: back.status, location: back.headers.location }).toEqual({ path, status: 303, location: '/articles/x' });
        expect(await me(agent)).toMatchObject({ signedIn: true, email: user.email });
      }
    });

    it('when the callback is asked for with HEAD (a link checker, a prefetch), then 405 and nothing is spent: the GET that follows still signs in', async () => {
      const user = await knownUser();
      const agent = h.agent();
      const answer = await h.answerFor(agent, 'op', user, '/articles/x');
      for (const path of [answer.pathname, '/signin/oidc/op/callback/', '/signin/oidc/op/CALLBACK']) {
        const head = await agent.head(`${path}${answer.search}`);
        expect({ path, status: head.status }).toEqual({ path, status: 405 });
        expect(head.headers.allow).toBe('GET, POST');
      }
      const back = await agent.get(`${answer.pathname}${answer.search}`);
      expect(back.status).toBe(303);
      expect(back.headers.location).toBe('/articles/x');
      expect(await me(agent)).toMatchObject({ signedIn: true, email: user.email });
    });

    it('when a provider answers with a POST but it is not a form_post provider, then the CSRF check refuses it', async () => {
      const answer = await h.answerFor(h.agent(), 'op', newUser());
      const posted = await h.agent().post(answer.pathname).type('form').send(Object.fromEntries(answer.searchParams));
      expect(posted.status).toBe(403);
    });
  });
}
