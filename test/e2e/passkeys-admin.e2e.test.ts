import request from 'supertest';
import { csrfTokenIn, goodPassword, signUp, type Agent } from '../support/http';
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

async function admin(t: TestApp) {
  const signedUp = await signUp(t.app);
  await t.deps.auth.accountsRepository.setAdmin(signedUp.email, true);
  return signedUp;
}

for (const mode of modes) {
  describeMode(mode)(`ADMIN_REQUIRE_PASSKEY=true (${mode})`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(mode, { env: { PUBLIC_URL: publicUrl, ADMIN_REQUIRE_PASSKEY: 'true' } });
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

    it('when the admin signs in with a passkey, then the admin and its API open to that session', async () => {
      const { agent } = await admin(t);
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
      const { agent } = await admin(t);
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
});
