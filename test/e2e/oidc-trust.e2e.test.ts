import request from 'supertest';
import { describeMode, modes, startTestApp } from '../support/test-app';
import { csrfTokenIn, goodPassword, newEmail, submitForm } from '../support/http';
import { mailMatching } from '../support/email-links';
import { freePort, listen } from '../support/browser';
import { loginAtProvider, startOpenIdProvider } from '../support/oidc-provider';
import { clientId, clientSecret, newUser, startOidcHarness, type Agent, type OidcHarness } from '../support/oidc-provider/harness';

const verifyLink = /https?:\/\/\S+(\/signin\/oidc\/verify\/[A-Za-z0-9_-]{43})/;

/** Whose word on an email counts, and who an identity is: the issuer's subject, an address that is what it looks like. */
for (const mode of modes) {
  describeMode(mode)(`continue with a provider: trust in emails and issuers (${mode})`, () => {
    let h: OidcHarness;
    beforeAll(async () => {
      h = await startOidcHarness(mode);
    }, 60_000);
    afterAll(() => h.close());

    const db = () => h.t.deps.database.db;
    const me = async (agent: Agent) => (await agent.get('/api/me').expect(200)).body as { signedIn: boolean; email: string | null };
    const identitiesOf = (email: string) =>
      db().selectFrom('identities').innerJoin('accounts', 'accounts.id', 'identities.account_id').select(['identities.provider', 'identities.issuer', 'identities.subject']).where('accounts.email', '=', email).execute();
    /** A reader who signed up with a password and whose email is verified. */
    const verifiedReader = async (email = newEmail()) => {
      const agent = h.agent();
      expect((await submitForm(agent, '/signup', '/signup', { email, password: goodPassword, returnTo: '/' })).status).toBe(303);
      await db().updateTable('accounts').set({ email_verified_at: new Date().toISOString() }).where('email', '=', email).execute();
      return { agent, email };
    };
    /** Follows the mailed link in `agent` and confirms; the confirmation's answer. */
    const followMailedLink = async (agent: Agent, email: string) => {
      const link = verifyLink.exec(await mailMatching(h.t.deps.config.dataDir, email, verifyLink))![1]!;
      const page = await agent.get(link).expect(200);
      return agent.post(link).type('form').send({ _csrf: csrfTokenIn(page.text) });
    };

    it('when a provider not trusted with emails (OIDC_<NAME>_TRUST_EMAIL unset, not Google or Apple) says an email is verified, then an account with it is joined only after the mailed link', async () => {
      const { email } = await verifiedReader();
      const user = { ...newUser(true), email };
      const agent = h.agent();
      const back = await h.continueWith(agent, 'plain', user, '/articles/x');
      expect(back.status).toBe(200);
      expect(back.text).toContain('Check your email');
      expect(await me(agent)).toMatchObject({ signedIn: false });
      expect(await identitiesOf(email)).toEqual([]);
      const done = await followMailedLink(agent, email);
      expect(done.status).toBe(303);
      expect(await me(agent)).toMatchObject({ signedIn: true, email });
      expect(await identitiesOf(email)).toEqual([expect.objectContaining({ provider: 'plain', subject: user.sub })]);
    });

    it("when a trusted provider vouches for an admin's email, then the admin's account is not joined on its word: the mailed link, in the same browser", async () => {
      const { email } = await verifiedReader();
      await h.t.deps.auth.accountsRepository.setAdmin(email, true);
      const user = { ...newUser(true), email };
      const agent = h.agent();
      const back = await h.continueWith(agent, 'op', user, '/admin');
      expect(back.status).toBe(200);
      expect(back.text).toContain('Check your email');
      expect(await me(agent)).toMatchObject({ signedIn: false });
      expect(await identitiesOf(email)).toEqual([]);
      const done = await followMailedLink(agent, email);
      expect(done.status).toBe(303);
      expect(done.headers.location).toBe('/admin');
      expect(await me(agent)).toMatchObject({ signedIn: true, email });
      expect(await identitiesOf(email)).toEqual([expect.objectContaining({ subject: user.sub })]);
      await mailMatching(h.t.deps.config.dataDir, email, /Test Provider was linked to your/);
    });

    it("when a provider's verified email has a character that lower-cases to another reader's address (the Kelvin sign), then it is refused with a readable page: nothing is linked, nobody signed in", async () => {
      const id = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
      const victim = await verifiedReader(`kelvin-${id}@example.com`);
      const agent = h.agent();
      const back = await h.continueWith(agent, 'op', { ...newUser(true), email: `\u212Aelvin-${id}@example.com` }, '/articles/x');
      expect(back.status).toBe(400);
      expect(back.text).toContain('We cannot use the email address from Test Provider');
      expect(back.text).toContain('href="/signin/email?returnTo=%2Farticles%2Fx"');
      expect(await me(agent)).toMatchObject({ signedIn: false });
      expect(await identitiesOf(victim.email)).toEqual([]);
      expect(await db().selectFrom('accounts').select('id').where('email', 'like', `%elvin-${id}@example.com`).execute()).toHaveLength(1);
    });

    it("when a provider's name is pointed at another issuer, then that issuer's subjects are not the old identities: the same `sub` signs in to nobody's account", async () => {
      // A reader who signed up with op's issuer.
      const agent = h.agent();
      const user = newUser(true);
      await h.continueWith(agent, 'op', user);
      const confirm = await agent.get('/signin/oidc/confirm').expect(200);
      const fields: Record<string, string> = { _csrf: csrfTokenIn(confirm.text) };
      for (const [, name, value] of confirm.text.matchAll(/name="(termsVersion|privacyVersion)" value="([^"]*)"/g)) fields[name!] = value!;
      expect((await agent.post('/signin/oidc/confirm').type('form').send(fields)).status).toBe(303);

      // The same storage, with OIDC_OP_ISSUER now another issuer that uses the same `sub`.
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      const other = await startOpenIdProvider({ clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: [`${base}/signin/oidc/op/callback`] }] });
      const moved = await startTestApp(mode, {
        shareStorageWith: h.t,
        env: { PUBLIC_URL: base, OIDC_PROVIDERS: 'op', OIDC_OP_ISSUER: other.issuer, OIDC_OP_CLIENT_ID: clientId, OIDC_OP_CLIENT_SECRET: clientSecret, OIDC_OP_TRUST_EMAIL: 'true' },
      });
      const server = await listen(moved.app, port);
      try {
        const browser = request.agent(base);
        await other.nextLogin({ sub: user.sub, email: `someone-else-${user.sub}@example.com`, email_verified: true });
        const start = await browser.get('/signin/oidc/op?returnTo=%2Faccount').expect(303);
        const answer = await loginAtProvider(start.headers.location as string, base);
        if (answer.method !== 'GET') throw new Error('expected a GET answer');
        const back = await browser.get(`${answer.url.pathname}${answer.url.search}`);
        // A new reader to this site, not the holder of the old identity.
        expect(back.status).toBe(303);
        expect(back.headers.location).toBe('/signin/oidc/confirm');
        expect((await browser.get('/api/me').expect(200)).body).toMatchObject({ signedIn: false });
        // The old identity is kept under the issuer it came from.
        expect(await identitiesOf(user.email)).toEqual([expect.objectContaining({ provider: 'op', issuer: new URL(h.op.issuer).href, subject: user.sub })]);
      } finally {
        await server.close();
        await moved.close();
        await other.stop();
      }
    });
  });
}
