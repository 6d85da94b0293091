import request from 'supertest';
import { csrfTokenIn, signUp, type Agent } from '../support/http';
import { describeMode, modes, startTestApp, type TestApp } from '../support/test-app';
import { mailMatching } from '../support/email-links';
import { SoftwareAuthenticator, type Overrides } from './passkeys-software-authenticator';
import { webauthnBundlePath } from '../../src/auth/passkeys/passkeys.module';

const publicUrl = 'http://localhost:4400';
const rpId = 'localhost';
const json = { Accept: 'application/json' };

/** A signed-in reader on /account, with the page's CSRF token. */
async function reader(t: TestApp) {
  const { agent, email } = await signUp(t.app);
  const csrf = csrfTokenIn((await agent.get('/account').expect(200)).text);
  return { agent, email, csrf };
}

function registrationOptions(agent: Agent, csrf: string) {
  return agent.post('/account/passkeys/options').set(json).set('X-CSRF-Token', csrf).send({});
}

/** Adds a passkey from `key` and expects `status` for it. */
async function addPasskey(agent: Agent, csrf: string, key: SoftwareAuthenticator, status = 201, o: Overrides = {}) {
  const options = await registrationOptions(agent, csrf).expect(200);
  return agent.post('/account/passkeys').set(json).set('X-CSRF-Token', csrf).send({ response: key.register(options.body, o) }).expect(status);
}

/** An agent that is not signed in, with the sign-in page's CSRF token. */
async function visitor(t: TestApp) {
  const agent = request.agent(t.app);
  const csrf = csrfTokenIn((await agent.get('/signin').expect(200)).text);
  return { agent, csrf };
}

async function signInOptions(agent: Agent, csrf: string, forwardedFor?: string) {
  const call = agent.post('/signin/passkey/options').set(json).set('X-CSRF-Token', csrf);
  if (forwardedFor) call.set('X-Forwarded-For', forwardedFor);
  return (await call.send({}).expect(200)).body as { challenge: string; rpId: string; allowCredentials?: unknown[] };
}

function verifySignIn(agent: Agent, csrf: string, response: unknown, returnTo?: string) {
  return agent.post('/signin/passkey').set(json).set('X-CSRF-Token', csrf).send({ response, returnTo });
}

for (const mode of modes) {
  describeMode(mode)(`passkeys (${mode})`, () => {
    let t: TestApp;
    let now = Date.parse('2026-12-01T09:00:00Z');
    beforeAll(async () => {
      t = await startTestApp(mode, { env: { PUBLIC_URL: publicUrl }, clock: () => now });
    });
    afterAll(() => t?.close());

    it('when a reader adds a passkey and signs in with it, then they are signed in where they were going, and the passkey is listed with its use', async () => {
      const { agent, csrf, email } = await reader(t);
      const key = new SoftwareAuthenticator(publicUrl, rpId);
      const options = (await registrationOptions(agent, csrf).expect(200)).body;
      expect(options).toMatchObject({ rp: { id: rpId }, authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' }, attestation: 'none', excludeCredentials: [] });
      const added = await agent.post('/account/passkeys').set(json).set('X-CSRF-Token', csrf).send({ response: key.register(options), name: 'Work laptop' }).expect(201);
      expect(added.body).toMatchObject({ passkey: { id: key.id, name: 'Work laptop', lastUsedAt: null }, redirect: '/account#passkeys' });
      await mailMatching(t.deps.config.dataDir, email, /A passkey \("Work laptop"\) was added/);

      // The next registration excludes it.
      expect((await registrationOptions(agent, csrf).expect(200)).body.excludeCredentials).toEqual([{ id: key.id, type: 'public-key', transports: ['internal'] }]);

      const v = await visitor(t);
      const signInOpts = await signInOptions(v.agent, v.csrf);
      expect(signInOpts.rpId).toBe(rpId);
      expect(signInOpts.allowCredentials ?? []).toEqual([]);
      const answer = await verifySignIn(v.agent, v.csrf, key.assert(signInOpts), '/articles/flood-defences-budget#continue-reading').expect(200);
      expect(answer.body).toEqual({ redirect: '/articles/flood-defences-budget#continue-reading' });
      expect((await v.agent.get('/api/me').expect(200)).body).toMatchObject({ signedIn: true });

      const page = await v.agent.get('/account').expect(200);
      expect(page.text).toContain('Work laptop');
      const row = await t.deps.database.db.selectFrom('passkeys').selectAll().where('id', '=', key.id).executeTakeFirstOrThrow();
      expect(Number(row.counter)).toBe(1);
      expect(row.last_used_at).toBe(new Date(now).toISOString());
    });

    it('when anonymous readers ask for sign-in challenges, then no session is stored for them: each challenge is bound to a cookie that lasts as long as it', async () => {
      const { agent, csrf } = await reader(t);
      const key = new SoftwareAuthenticator(publicUrl, rpId);
      await addPasskey(agent, csrf, key);
      const sessions = async () => (t.deps.redis ? (await t.deps.redis.keys(`${t.deps.config.redisKeyPrefix}sess:*`)).length : (await t.deps.database.db.selectFrom('sessions').select('sid').execute()).length);
      const before = await sessions();
      const v = await visitor(t);
      let last;
      for (let i = 0; i < 10; i += 1) {
        const asked = await v.agent.post('/signin/passkey/options').set(json).set('X-CSRF-Token', v.csrf).set('X-Forwarded-For', '198.51.100.50').send({}).expect(200);
        const cookies = ([] as string[]).concat(asked.headers['set-cookie'] ?? []);
        expect(cookies.filter((c) => c.startsWith('gatehouse.sid='))).toEqual([]);
        const challengeCookie = cookies.find((c) => c.startsWith('gatehouse.passkey-signin='));
        expect(challengeCookie).toMatch(/; Max-Age=300;/);
        expect(challengeCookie).toMatch(/; HttpOnly/);
        expect(challengeCookie).toMatch(/; SameSite=Strict/);
        last = asked.body as { challenge: string };
      }
      expect(await sessions()).toBe(before);
      // The last challenge still signs in, and that makes the one session.
      await verifySignIn(v.agent, v.csrf, key.assert(last!)).expect(200);
      expect(await sessions()).toBe(before + 1);
      expect((await v.agent.get('/api/me').expect(200)).body).toMatchObject({ signedIn: true });
    });

    it('when a passkey is added without a name, then it is named by the date', async () => {
      const { agent, csrf } = await reader(t);
      const response = await addPasskey(agent, csrf, new SoftwareAuthenticator(publicUrl, rpId));
      expect(response.body.passkey.name).toBe('Passkey added 1 December 2026');
    });

    it('when an answer is replayed, then the spent challenge refuses it, for registration and for sign-in', async () => {
      const { agent, csrf } = await reader(t);
      const key = new SoftwareAuthenticator(publicUrl, rpId);
      const options = (await registrationOptions(agent, csrf).expect(200)).body;
      const registration = key.register(options);
      await agent.post('/account/passkeys').set(json).set('X-CSRF-Token', csrf).send({ response: registration }).expect(201);
      const again = await agent.post('/account/passkeys').set(json).set('X-CSRF-Token', csrf).send({ response: registration }).expect(400);
      expect(again.body.error).toMatch(/expired or was already used/);

      const v = await visitor(t);
      const assertion = key.assert(await signInOptions(v.agent, v.csrf));
      await verifySignIn(v.agent, v.csrf, assertion).expect(200);
      // The signed-in session's token now; the challenge is spent whatever the token.
      const csrfAfter = csrfTokenIn((await v.agent.get('/account').expect(200)).text);
      expect((await verifySignIn(v.agent, csrfAfter, assertion).expect(400)).body.error).toMatch(/expired or was already used/);
    });

    it('when two answers to one challenge arrive at once, then exactly one is accepted', async () => {
      const { agent, csrf } = await reader(t);
      const key = new SoftwareAuthenticator(publicUrl, rpId);
      const options = (await registrationOptions(agent, csrf).expect(200)).body;
      const registration = key.register(options);
      const added = await Promise.all([0, 1, 2].map(() => agent.post('/account/passkeys').set(json).set('X-CSRF-Token', csrf).send({ response: registration })));
      expect(added.map((r) => r.status).sort()).toEqual([201, 400, 400]);

      const v = await visitor(t);
      const challenge = await signInOptions(v.agent, v.csrf);
      // Different counters, so only the single-use challenge can stop the second.
      const answers = [key.assert(challenge), key.assert(challenge)];
      const results = await Promise.all(answers.map((answer) => verifySignIn(v.agent, v.csrf, answer)));
      expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
    });

    it('when a challenge is answered from another session, or after five minutes, then it is refused', async () => {
      const { agent, csrf } = await reader(t);
      const key = new SoftwareAuthenticator(publicUrl, rpId);
      await addPasskey(agent, csrf, key);

      const asker = await visitor(t);
      const other = await visitor(t);
      const challenge = await signInOptions(asker.agent, asker.csrf);
      await verifySignIn(other.agent, other.csrf, key.assert(challenge)).expect(400);
      // The other session's try did not spend the asker's challenge.
      await verifySignIn(asker.agent, asker.csrf, key.assert(challenge)).expect(200);

      const late = await visitor(t);
      const old = await signInOptions(late.agent, late.csrf);
      now += 5 * 60 * 1000 + 1;
      expect((await verifySignIn(late.agent, late.csrf, key.assert(old)).expect(400)).body.error).toMatch(/expired/);
    });

    it('when the answer names another origin or relying party, is badly signed, holds an unknown passkey or goes back in count, then a clear 400', async () => {
      const { agent, csrf } = await reader(t);
      const key = new SoftwareAuthenticator(publicUrl, rpId);
      await addPasskey(agent, csrf, key);
      // Registration from a look-alike site is refused too.
      expect((await addPasskey(agent, csrf, new SoftwareAuthenticator('https://gatehouse.evil.example', rpId), 400)).body.error).toMatch(/could not be verified/);

      const v = await visitor(t);
      const cases: [string, () => Promise<unknown>][] = [
        ['origin', async () => key.assert(await signInOptions(v.agent, v.csrf), { origin: 'http://localhost:4401' })],
        ['rpId', async () => key.assert(await signInOptions(v.agent, v.csrf), { rpId: 'evil.example' })],
        ['signature', async () => key.assert(await signInOptions(v.agent, v.csrf), { corruptSignature: true })],
        ['type', async () => key.assert(await signInOptions(v.agent, v.csrf), { type: 'webauthn.create' })],
      ];
      for (const [, make] of cases) {
        const refused = await verifySignIn(v.agent, v.csrf, await make()).expect(400);
        expect(refused.body.error).toMatch(/could not be verified/);
      }
      const stranger = new SoftwareAuthenticator(publicUrl, rpId);
      expect((await verifySignIn(v.agent, v.csrf, stranger.assert(await signInOptions(v.agent, v.csrf))).expect(400)).body.error).toMatch(/not known here/);

      await verifySignIn(v.agent, v.csrf, key.assert(await signInOptions(v.agent, v.csrf), { counter: 10 })).expect(200);
      const w = await visitor(t);
      // A counter that does not move forward: a cloned authenticator.
      expect((await verifySignIn(w.agent, w.csrf, key.assert(await signInOptions(w.agent, w.csrf), { counter: 10 })).expect(400)).body.error).toMatch(/could not be verified/);
      expect((await verifySignIn(w.agent, w.csrf, { id: 'x' }).expect(400)).body.error).toMatch(/could not be read/);
      expect((await w.agent.get('/api/me').expect(200)).body).toMatchObject({ signedIn: false });
    });

    it('when a request has no CSRF token, then nothing happens', async () => {
      const { agent, csrf } = await reader(t);
      const key = new SoftwareAuthenticator(publicUrl, rpId);
      await agent.post('/account/passkeys/options').set(json).send({}).expect(403);
      await addPasskey(agent, csrf, key);
      await agent.post(`/account/passkeys/${key.id}/remove`).type('form').send({}).expect(403);
      const v = await visitor(t);
      await v.agent.post('/signin/passkey/options').set(json).send({}).expect(403);
      const challenge = await signInOptions(v.agent, v.csrf);
      await v.agent.post('/signin/passkey').set(json).set('X-CSRF-Token', 'forged').send({ response: key.assert(challenge) }).expect(403);
      expect(await t.deps.auth.passkeys.passkeysOf((await t.deps.auth.accountsRepository.findByEmail(await emailOf(agent)))!.id)).toHaveLength(1);
    });

    it("when a reader removes a passkey, then it is gone and signs in no more; another reader's passkey cannot be removed", async () => {
      const owner = await reader(t);
      const key = new SoftwareAuthenticator(publicUrl, rpId);
      await addPasskey(owner.agent, owner.csrf, key);
      const intruder = await reader(t);
      await intruder.agent.post(`/account/passkeys/${key.id}/remove`).type('form').send({ _csrf: intruder.csrf }).expect(404);
      await request(t.app).post(`/account/passkeys/${key.id}/remove`).type('form').send({}).expect(403);
      expect((await owner.agent.get('/account').expect(200)).text).toContain('Remove Passkey added');

      await owner.agent.post(`/account/passkeys/${key.id}/remove`).type('form').send({ _csrf: owner.csrf }).expect(303).expect('Location', '/account#passkeys');
      expect((await owner.agent.get('/account').expect(200)).text).toContain('You have no passkeys yet.');
      const v = await visitor(t);
      await verifySignIn(v.agent, v.csrf, key.assert(await signInOptions(v.agent, v.csrf))).expect(400);
    });

    it('when the last sign-in is older than 15 minutes, then adding a passkey asks for a new sign-in', async () => {
      const { agent, csrf } = await reader(t);
      now += 15 * 60 * 1000 + 1;
      const refused = await registrationOptions(agent, csrf).expect(403);
      expect(refused.body).toMatchObject({ error: expect.stringMatching(/sign in again/i), signIn: '/signin?reauth=1&returnTo=%2Faccount%23passkeys' });
      await request(t.app).post('/account/passkeys/options').set(json).send({}).expect(403);
    });

    it('when an account is deleted, then its passkeys go with it', async () => {
      const { agent, csrf, email } = await reader(t);
      const key = new SoftwareAuthenticator(publicUrl, rpId);
      await addPasskey(agent, csrf, key);
      await registrationOptions(agent, csrf).expect(200);
      const form = await agent.get('/account/delete').expect(200);
      await agent.post('/account/delete').type('form').send({ _csrf: csrfTokenIn(form.text), password: 'lantern harbour tide' }).expect(200);
      expect(await t.deps.auth.accountsRepository.findByEmail(email)).toBeUndefined();
      expect(await t.deps.database.db.selectFrom('passkeys').select('id').where('id', '=', key.id).execute()).toEqual([]);
    });

    it('when one network keeps sending failing answers, then it waits (429) and other networks do not', async () => {
      const v = await visitor(t);
      const key = new SoftwareAuthenticator(publicUrl, rpId);
      const failing = () => key.assert({ challenge: 'bm90LWEtY2hhbGxlbmdl' });
      const from = '203.0.113.77';
      for (let i = 0; i < 30; i += 1) await verifySignIn(v.agent, v.csrf, failing()).set('X-Forwarded-For', from).expect(400);
      const throttled = await verifySignIn(v.agent, v.csrf, failing()).set('X-Forwarded-For', from).expect(429);
      expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
      await verifySignIn(v.agent, v.csrf, failing()).set('X-Forwarded-For', '198.51.100.9').expect(400);
    });

    it('when a page offers passkeys, then the browser library it names is served from this site, cacheable, to anyone', async () => {
      const signin = await request(t.app).get('/signin').expect(200);
      expect(signin.text).toContain(`<script src="${webauthnBundlePath}" defer></script>`);
      expect(signin.text).toContain('<script src="/gatehouse/passkeys.js" defer></script>');
      expect(signin.text).toMatch(/<div class="passkey-signin" data-passkey-signin data-csrf="[^"]+" data-return-to="\/"[^>]* hidden>/);
      // The script's own words come from the catalog, on the element it sets up.
      expect(signin.text).toMatch(/<div class="passkey-signin"[^>]* data-text-cancelled="The passkey prompt was closed or timed out\. Try again, or use another way\."[^>]* data-text-sign-in-again="Sign in again" hidden>/);
      const { agent } = await reader(t);
      expect((await agent.get('/account').expect(200)).text).toContain(`<script src="${webauthnBundlePath}" defer></script>`);
      for (const client of [request(t.app), agent]) {
        const bundle = await client.get(webauthnBundlePath).expect(200);
        expect(bundle.headers['content-type']).toMatch(/^text\/javascript/);
        expect(bundle.headers['cache-control']).toBe('public, max-age=2592000');
        expect(bundle.text).toContain('SimpleWebAuthnBrowser');
      }
      await request(t.app).get('/gatehouse/passkeys.js').expect(200).expect('Content-Type', /javascript/);
    });

    /** The email of a signed-in agent, from /api/me. */
    async function emailOf(agent: Agent): Promise<string> {
      return ((await agent.get('/api/me').expect(200)).body as { email: string }).email;
    }
  });
}
