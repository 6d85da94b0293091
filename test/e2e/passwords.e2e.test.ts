import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { describeMode, modes, startTestApp, type TestApp } from '../support/test-app';
import { csrfTokenIn, goodPassword, newEmail, signUp, submitForm } from '../support/http';
import { mailTo, resetLinkIn, resetMailTo } from '../support/outbox';

/** Follows the link mailed to a new address, as its reader would: the change applies then. */
async function confirmEmailChange(agent: ReturnType<typeof request.agent>, dataDir: string, newAddress: string) {
  const mail = await mailTo(dataDir, newAddress);
  const link = /\/account\/verify\/[A-Za-z0-9_-]+/.exec(mail)?.[0];
  if (link === undefined) throw new Error(`no verification link in the mail:\n${mail}`);
  const page = await agent.get(link).expect(200);
  return agent.post(link).type('form').send({ _csrf: csrfTokenIn(page.text) });
}

const alert = (html: string) => /<(?:p|div) class="(?:alert|field__error)"[^>]*>([^<]*)</.exec(html)?.[1];

for (const mode of modes) {
  describeMode(mode)(`password reset and credential changes (${mode})`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(mode);
    });
    afterAll(() => t.close());

    const signIn = (email: string, password: string, address = '198.51.100.1') =>
      submitForm(request.agent(t.app), '/signin', '/signin', { email, password }, { 'X-Forwarded-For': address });

    it('when a reader forgets their password, then the mailed link resets it once, and every session ends', async () => {
      const { agent: oldSession, email } = await signUp(t.app);
      await oldSession.get('/account').expect(200);
      const forgot = await submitForm(request.agent(t.app), '/password/forgot', '/password/forgot', { email }, { 'X-Forwarded-For': '192.0.2.10' });
      expect(forgot.status).toBe(200);
      expect(forgot.text).toContain('Check your email');

      const link = resetLinkIn(await resetMailTo(t.deps.config.dataDir, email));
      const reader = request.agent(t.app);
      const form = await reader.get(link.pathname).expect(200);
      expect(form.headers['referrer-policy']).toBe('no-referrer');
      expect(form.headers['cache-control']).toBe('private, no-store');
      const weak = await reader.post(link.pathname).type('form').send({ password: 'password1', _csrf: csrfTokenIn(form.text) });
      expect(weak.status).toBe(400);
      const done = await reader.post(link.pathname).type('form').send({ password: 'a brand new harbour', _csrf: csrfTokenIn(form.text) });
      expect(done.status).toBe(303);
      expect(done.headers.location).toBe('/signin?reset=1');

      await oldSession.get('/account').expect(303);
      expect((await signIn(email, goodPassword)).status).toBe(401);
      expect((await signIn(email, 'a brand new harbour')).status).toBe(303);
      // Single use.
      await request(t.app).get(link.pathname).expect(400);
      const again = await reader.post(link.pathname).type('form').send({ password: 'yet another harbour', _csrf: csrfTokenIn(form.text) });
      expect(again.status).toBe(400);
    });

    it('when the email is unknown, then the answer is the same as for a known one, and no mail goes out', async () => {
      const { email } = await signUp(t.app);
      const unknown = newEmail();
      const known = await submitForm(request.agent(t.app), '/password/forgot', '/password/forgot', { email }, { 'X-Forwarded-For': '192.0.2.11' });
      const stranger = await submitForm(request.agent(t.app), '/password/forgot', '/password/forgot', { email: unknown }, { 'X-Forwarded-For': '192.0.2.12' });
      expect(stranger.status).toBe(known.status);
      const normalise = (html: string, address: string) => html.replace(/name="_csrf" value="[^"]+"/, '').replace(address, 'EMAIL');
      expect(normalise(stranger.text, unknown)).toBe(normalise(known.text, email));
      await expect(mailTo(t.deps.config.dataDir, unknown, 300)).rejects.toThrow(/no mail/);
    });

    it('when a reset link has expired, then it is refused', async () => {
      const { email } = await signUp(t.app);
      const account = await t.deps.auth.accountsRepository.findByEmail(email);
      const { PasswordResetsRepository } = await import('../../src/auth/password-resets.repository');
      // Made 31 minutes ago, by a repository whose clock reads then.
      const resets = new PasswordResetsRepository(t.deps.database.db, () => Date.now() - 31 * 60 * 1000);
      const token = await resets.create(account!.id, 30 * 60 * 1000);
      const response = await request(t.app).get(`/password/reset/${token}`).expect(400);
      expect(response.text).toContain('expired or was already used');
      await request(t.app).get('/password/reset/not-a-token').expect(400);
    });

    const forgot = (email: string, address: string) => submitForm(request.agent(t.app), '/password/forgot', '/password/forgot', { email }, { 'X-Forwarded-For': address });

    it('when resets for one email are asked for again and again from one network, then 429 with Retry-After', async () => {
      const { email } = await signUp(t.app);
      const statuses: number[] = [];
      let last;
      for (let i = 0; i < 4; i += 1) {
        // One IPv6 /64 is one network, whatever its low bits.
        last = await forgot(email, `2001:db8:50:1::${i + 1}`);
        statuses.push(last.status);
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
    });

    it('when a stranger asks 10 times for resets of one email from another network, then the owner\'s own network still gets one', async () => {
      const { email } = await signUp(t.app);
      for (let i = 0; i < 10; i += 1) await forgot(email, '203.0.113.66');
      const owner = await forgot(email, '198.51.100.66');
      expect(owner.status).toBe(200);
      expect(owner.text).toContain('Check your email');
    });

    it('when resets for one email come from many networks, then past the looser bound each network gets one mail and no more', async () => {
      const { email } = await signUp(t.app);
      const statuses: number[] = [];
      for (let i = 0; i < 10; i += 1) statuses.push((await forgot(email, `198.18.66.${i}`)).status);
      expect(statuses).toEqual(Array<number>(10).fill(200));
      expect((await forgot(email, '198.18.66.10')).status).toBe(200);
      const again = await forgot(email, '198.18.66.10');
      expect(again.status).toBe(429);
      expect(Number(again.headers['retry-after'])).toBeGreaterThan(0);
    });

    it('when strangers spent the per-email bound from 4 addresses, then the owner\'s fresh address still gets a reset mail', async () => {
      const { email } = await signUp(t.app);
      for (let network = 0; network < 4; network += 1) for (let i = 0; i < 3; i += 1) await forgot(email, `203.0.113.${140 + network}`);
      expect((await forgot(email, '203.0.113.143')).status).toBe(429);
      const before = (await t.deps.database.db.selectFrom('password_resets').select('token_hash').execute()).length;
      const owner = await forgot(email, '198.51.100.140');
      expect(owner.status).toBe(200);
      expect(owner.text).toContain('Check your email');
      const deadline = Date.now() + 3_000;
      while ((await t.deps.database.db.selectFrom('password_resets').select('token_hash').execute()).length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      expect((await t.deps.database.db.selectFrom('password_resets').select('token_hash').execute()).length).toBe(before + 1);
    });

    const openResetLink = async (accountId: string) => {
      const { PasswordResetsRepository } = await import('../../src/auth/password-resets.repository');
      return new PasswordResetsRepository(t.deps.database.db, Date.now).create(accountId, 30 * 60 * 1000);
    };

    it('when a reader changes their password, then every outstanding reset link is spent', async () => {
      const { agent, email } = await signUp(t.app);
      const account = await t.deps.auth.accountsRepository.findByEmail(email);
      const token = await openResetLink(account!.id);
      await request(t.app).get(`/password/reset/${token}`).expect(200);
      const page = await agent.get('/account');
      await agent.post('/account/password').type('form').send({ currentPassword: goodPassword, newPassword: 'harbour lights anew', _csrf: csrfTokenIn(page.text) }).expect(303);
      await request(t.app).get(`/password/reset/${token}`).expect(400);
    });

    it('when a reader changes their email, then every outstanding reset link is spent', async () => {
      const { agent, email } = await signUp(t.app);
      const account = await t.deps.auth.accountsRepository.findByEmail(email);
      const token = await openResetLink(account!.id);
      const page = await agent.get('/account');
      const fresh = newEmail();
      await agent.post('/account/email').type('form').send({ newEmail: fresh, password: goodPassword, _csrf: csrfTokenIn(page.text) }).expect(200);
      expect((await confirmEmailChange(agent, t.deps.config.dataDir, fresh)).status).toBe(303);
      expect((await t.deps.auth.accountsRepository.findById(account!.id))?.email).toBe(fresh);
      await request(t.app).get(`/password/reset/${token}`).expect(400);
    });

    it('when a reset link is used, then the account\'s other reset links are spent', async () => {
      const { email } = await signUp(t.app);
      const account = await t.deps.auth.accountsRepository.findByEmail(email);
      const [used, other] = [await openResetLink(account!.id), await openResetLink(account!.id)];
      const reader = request.agent(t.app);
      const form = await reader.get(`/password/reset/${used}`).expect(200);
      await reader.post(`/password/reset/${used}`).type('form').send({ password: 'a brand new harbour', _csrf: csrfTokenIn(form.text) }).expect(303);
      await request(t.app).get(`/password/reset/${other}`).expect(400);
    });

    it('when a reader changes their password, then the current one is required, and their other sessions end', async () => {
      const { agent, email } = await signUp(t.app);
      const other = request.agent(t.app);
      await submitForm(other, '/signin', '/signin', { email, password: goodPassword }, { 'X-Forwarded-For': '198.51.100.2' }).then((r) => expect(r.status).toBe(303));
      const page = await agent.get('/account');
      const wrong = await agent.post('/account/password').type('form').send({ currentPassword: 'not it at all', newPassword: 'harbour lights anew', _csrf: csrfTokenIn(page.text) });
      expect(wrong.status).toBe(400);
      expect(alert(wrong.text)).toBe('That is not your current password.');
      const changed = await agent.post('/account/password').type('form').send({ currentPassword: goodPassword, newPassword: 'harbour lights anew', _csrf: csrfTokenIn(page.text) });
      expect(changed.status).toBe(303);
      await agent.get('/account').expect(200);
      await other.get('/account').expect(303);
      expect((await signIn(email, 'harbour lights anew', '198.51.100.3')).status).toBe(303);
    });

    it('when a reader changes their email, then the password is required, the new email signs in, and other sessions end', async () => {
      const { agent, email } = await signUp(t.app);
      const { email: taken } = await signUp(t.app);
      const other = request.agent(t.app);
      await submitForm(other, '/signin', '/signin', { email, password: goodPassword }, { 'X-Forwarded-For': '198.51.100.4' });
      const page = await agent.get('/account');
      const token = csrfTokenIn(page.text);
      expect((await agent.post('/account/email').type('form').send({ newEmail: newEmail(), password: 'wrong wrong', _csrf: token })).status).toBe(400);
      const clash = await agent.post('/account/email').type('form').send({ newEmail: taken, password: goodPassword, _csrf: token });
      expect(clash.status).toBe(400);
      expect(clash.text).toContain('Another account uses this email address.');
      const fresh = newEmail();
      expect((await agent.post('/account/email').type('form').send({ newEmail: fresh, password: goodPassword, _csrf: token })).status).toBe(200);
      expect((await confirmEmailChange(agent, t.deps.config.dataDir, fresh)).status).toBe(303);
      expect((await agent.get('/account')).text).toContain(fresh);
      await other.get('/account').expect(303);
      expect((await signIn(fresh, goodPassword, '198.51.100.5')).status).toBe(303);
    });

    it('when there is no SMTP_URL, then each mail is one .eml file in DATA_DIR/outbox', async () => {
      const { email } = await signUp(t.app);
      await submitForm(request.agent(t.app), '/password/forgot', '/password/forgot', { email }, { 'X-Forwarded-For': '192.0.2.90' });
      const mail = await resetMailTo(t.deps.config.dataDir, email);
      expect(mail).toMatch(/^Subject: Reset your password for The Harbour Ledger/m);
      expect(fs.readdirSync(path.join(t.deps.config.dataDir, 'outbox')).every((f) => f.endsWith('.eml'))).toBe(true);
    });
  });
}
