import request from 'supertest';
import { csrfTokenIn, goodPassword, signUp, type Agent } from '../support/http';
import { mailsTo, signinLinkTo } from '../support/email-links';
import { describeMode, modes, startTestApp, type TestApp } from '../support/test-app';
import { SoftwareAuthenticator } from './passkeys-software-authenticator';

const publicUrl = 'http://localhost:4400';
const json = { Accept: 'application/json' };

async function addPasskey(agent: Agent, key: SoftwareAuthenticator, status = 201) {
  const csrf = csrfTokenIn((await agent.get('/account').expect(200)).text);
  const options = await agent.post('/account/passkeys/options').set(json).set('X-CSRF-Token', csrf).send({});
  if (options.status !== 200) return options;
  return agent.post('/account/passkeys').set(json).set('X-CSRF-Token', csrf).send({ response: key.register(options.body) }).expect(status);
}

/** Signs `agent` in with the passkey from /signin (a fresh agent when none is given). */
async function signInWithPasskey(t: TestApp, key: SoftwareAuthenticator, agent: Agent = request.agent(t.app)) {
  const csrf = csrfTokenIn((await agent.get('/signin?reauth=1').expect(200)).text);
  const options = await agent.post('/signin/passkey/options').set(json).set('X-CSRF-Token', csrf).send({}).expect(200);
  await agent.post('/signin/passkey').set(json).set('X-CSRF-Token', csrf).send({ response: key.assert(options.body), returnTo: '/admin' }).expect(200, { redirect: '/admin' });
  return agent;
}

async function signInWithPassword(agent: Agent, email: string) {
  const csrf = csrfTokenIn((await agent.get('/signin?reauth=1').expect(200)).text);
  await agent.post('/signin').type('form').send({ _csrf: csrf, email, password: goodPassword, returnTo: '/admin' }).expect(303);
}

/** Signs `agent` in by an emailed link (the proof an admin's first passkey takes). */
async function signInByEmailLink(t: TestApp, agent: Agent, email: string) {
  const links = mailsTo(t.deps.config.dataDir, email).filter((mail) => mail.includes('/signin/email/')).length;
  // A signed-in reader asks from a page of the session (GET /signin/email sends them on).
  const csrf = csrfTokenIn((await agent.get('/account').expect(200)).text);
  await agent.post('/signin/email').type('form').send({ _csrf: csrf, email, returnTo: '/account' }).expect(200);
  const { path } = await signinLinkTo(t.deps.config.dataDir, email, links);
  const page = await agent.get(path).expect(200);
  await agent.post(path).type('form').send({ _csrf: csrfTokenIn(page.text) }).expect(303);
}

/** An admin (verified email, as `admin grant` wants) signed in with a password. */
async function admin(t: TestApp) {
  const signedUp = await signUp(t.app);
  await t.deps.database.db.updateTable('accounts').set({ email_verified_at: new Date().toISOString() }).where('email', '=', signedUp.email).execute();
  await t.deps.auth.accountsRepository.setAdmin(signedUp.email, true);
  return signedUp;
}

/** An admin whose session signed in by an emailed link just now: it may add the first passkey. */
async function adminByEmailLink(t: TestApp) {
  const signedUp = await admin(t);
  await signInByEmailLink(t, signedUp.agent, signedUp.email);
  return signedUp;
}

for (const mode of modes) {
  describeMode(mode)(`ADMIN_REQUIRE_PASSKEY=true (${mode})`, () => {
    let t: TestApp;
    // Moved forward by a test that needs a sign-in to be old; put back when it ends.
    let clockOffsetMs = 0;
    beforeAll(async () => {
      t = await startTestApp(mode, { env: { PUBLIC_URL: publicUrl, ADMIN_REQUIRE_PASSKEY: 'true' }, clock: () => Date.now() + clockOffsetMs });
    });
    afterAll(() => t?.close());

    it("when an admin's session signed in with a password, then the admin explains what to do and the API answers 403; API keys are unaffected", async () => {
      const { agent } = await admin(t);
      const page = await agent.get('/admin').expect(403);
      expect(page.text).toContain('Sign in with a passkey');
      expect(page.text).toContain('href="/account#passkeys"');
      expect(page.text).toContain('data-return-to="/admin"');
      const api = await agent.get('/admin/api/meter').expect(403);
      expect(api.body.error).toMatch(/passkey/);
      const { key } = await t.deps.admin.apiKeys.create('passkey tests');
      await request(t.app).get('/admin/api/meter').set('Authorization', `Bearer ${key}`).expect(200);
    });

    it("when a password-only session adds an admin's first passkey, then 403 with the way to do it (an emailed link), and nothing is added", async () => {
      const { agent, email } = await admin(t);
      const refused = await addPasskey(agent, new SoftwareAuthenticator(publicUrl, 'localhost'));
      expect(refused.status).toBe(403);
      expect(refused.body).toEqual({ error: expect.stringContaining('Email me a sign-in link'), signIn: '/signin/email?returnTo=%2Faccount%23passkeys' });
      // Nor can the registration step be reached with options from elsewhere.
      const csrf = csrfTokenIn((await agent.get('/account').expect(200)).text);
      await agent.post('/account/passkeys').set(json).set('X-CSRF-Token', csrf).send({ response: new SoftwareAuthenticator(publicUrl, 'localhost').register({ challenge: 'bm90LWEtY2hhbGxlbmdl', user: { id: 'eA' } }) }).expect(403);
      const account = (await t.deps.auth.accountsRepository.findByEmail(email))!;
      expect(await t.deps.auth.passkeys.passkeysOf(account.id)).toEqual([]);
      await agent.get('/admin').expect(403);
      // The account page says so, and offers the link.
      const page = await agent.get('/account').expect(200);
      expect(page.text).toContain('<a href="/signin/email?returnTo=%2Faccount%23passkeys">Email me a sign-in link</a>');
    });

    it("when the emailed-link sign-in is older than 15 minutes, or the session signed in by password since, then an admin's first passkey is refused too", async () => {
      const stale = await adminByEmailLink(t);
      clockOffsetMs = 15 * 60 * 1000 + 1_000;
      try {
        expect((await addPasskey(stale.agent, new SoftwareAuthenticator(publicUrl, 'localhost'))).status).toBe(403);
      } finally {
        clockOffsetMs = 0;
      }
      const { agent, email } = await adminByEmailLink(t);
      await signInWithPassword(agent, email);
      const refused = await addPasskey(agent, new SoftwareAuthenticator(publicUrl, 'localhost'));
      expect(refused.status).toBe(403);
      expect(refused.body.signIn).toBe('/signin/email?returnTo=%2Faccount%23passkeys');
      // A fresh emailed link again: now it may.
      await signInByEmailLink(t, agent, email);
      expect((await addPasskey(agent, new SoftwareAuthenticator(publicUrl, 'localhost'))).status).toBe(201);
    });

    it('when the admin signs in with a passkey, then the admin and its API open to that session', async () => {
      const { agent } = await adminByEmailLink(t);
      const key = new SoftwareAuthenticator(publicUrl, 'localhost');
      await addPasskey(agent, key);
      // Adding one is no proof of holding one: the session still signed in with a password only.
      await agent.get('/admin').expect(403);

      const withPasskey = await signInWithPasskey(t, key);
      await withPasskey.get('/admin').expect(200);
      await withPasskey.get('/admin/api/meter').expect(200);
      // A signed-in admin without a proof can also sign in with a passkey from the explanation page.
      await signInWithPasskey(t, key, agent);
      await agent.get('/admin').expect(200);
    });

    it("when a passkey session then signs in to an admin's account by password, then the proof does not carry over", async () => {
      const someone = await signUp(t.app);
      const key = new SoftwareAuthenticator(publicUrl, 'localhost');
      await addPasskey(someone.agent, key);
      const agent = await signInWithPasskey(t, key);
      const target = await admin(t);
      await signInWithPassword(agent, target.email);
      expect((await agent.get('/api/me').expect(200)).body.email).toBe(target.email);
      await agent.get('/admin').expect(403);
    });

    it("when an admin has a passkey, then only a passkey session may add or remove one (a stolen password cannot swap in the thief's)", async () => {
      const { agent } = await adminByEmailLink(t);
      const key = new SoftwareAuthenticator(publicUrl, 'localhost');
      await addPasskey(agent, key);
      const refused = await addPasskey(agent, new SoftwareAuthenticator(publicUrl, 'localhost'));
      expect(refused.status).toBe(403);
      expect(refused.body.error).toMatch(/signing in with one/);
      const csrf = csrfTokenIn((await agent.get('/account').expect(200)).text);
      await agent.post(`/account/passkeys/${key.id}/remove`).type('form').send({ _csrf: csrf }).expect(403);

      const withPasskey = await signInWithPasskey(t, key);
      await addPasskey(withPasskey, new SoftwareAuthenticator(publicUrl, 'localhost'));
      const csrfAfter = csrfTokenIn((await withPasskey.get('/account').expect(200)).text);
      await withPasskey.post(`/account/passkeys/${key.id}/remove`).type('form').send({ _csrf: csrfAfter }).expect(303);
    });
  });
}

describe('ADMIN_REQUIRE_PASSKEY unset', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('embedded', { env: { PUBLIC_URL: publicUrl } });
  });
  afterAll(() => t?.close());

  it("when an admin signed in with a password, then the admin opens as before, and a reader's passkeys take no proof to change", async () => {
    const { agent } = await admin(t);
    await agent.get('/admin').expect(200);
    await agent.get('/admin/api/meter').expect(200);
    const reader = await signUp(t.app);
    await addPasskey(reader.agent, new SoftwareAuthenticator(publicUrl, 'localhost'));
    await addPasskey(reader.agent, new SoftwareAuthenticator(publicUrl, 'localhost'));
  });

  it("when an admin's first passkey is added, then it takes an emailed-link sign-in even so: a passkey planted now would pass the gate once ADMIN_REQUIRE_PASSKEY is turned on", async () => {
    const { agent, email } = await admin(t);
    expect((await addPasskey(agent, new SoftwareAuthenticator(publicUrl, 'localhost'))).status).toBe(403);
    await signInByEmailLink(t, agent, email);
    expect((await addPasskey(agent, new SoftwareAuthenticator(publicUrl, 'localhost'))).status).toBe(201);
  });
});
