import request from 'supertest';
import { describeMode, modes, startTestApp, type TestApp } from '../support/test-app';
import { csrfTokenIn, goodPassword, newEmail, signUp, submitForm, type Agent } from '../support/http';
import { mailMatching, mailsTo, verifyLinkTo } from '../support/email-links';
import { resetLinkIn } from '../support/outbox';

for (const mode of modes) {
  describeMode(mode)(`verified email (${mode})`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(mode);
    });
    afterAll(() => t.close());

    const dataDir = () => t.deps.config.dataDir;
    const me = async (agent: Agent) => (await agent.get('/api/me').expect(200)).body as { signedIn: boolean; email: string | null; emailVerified: boolean };
    const follow = async (agent: Agent, linkPath: string) => {
      const page = await agent.get(linkPath).expect(200);
      return agent.post(linkPath).type('form').send({ _csrf: csrfTokenIn(page.text) });
    };

    it('when a reader signs up, then they read on unverified, and the mailed link verifies the email on POST only', async () => {
      const { agent, email } = await signUp(t.app);
      expect(await me(agent)).toMatchObject({ signedIn: true, email, emailVerified: false });
      const link = await verifyLinkTo(dataDir(), email);

      // A mail scanner fetching the link verifies nothing.
      const scanned = await request(t.app).get(link).expect(200);
      expect(scanned.text).toContain(`action="${link}"`);
      expect(scanned.headers['cache-control']).toBe('private, no-store');
      expect((await me(agent)).emailVerified).toBe(false);

      const done = await follow(request.agent(t.app), link);
      expect(done.status).toBe(200);
      expect(done.text).toContain('Your email address is confirmed');
      expect((await me(agent)).emailVerified).toBe(true);
      expect((await request(t.app).get(link)).status).toBe(400);
    });

    it('when a reader is signed out, then /api/me says emailVerified false', async () => {
      expect(await me(request.agent(t.app))).toMatchObject({ signedIn: false, email: null, emailVerified: false });
    });

    it('when a reader changes their email, then nothing changes until the new address follows its link, the old address is told, and other sessions and tokens end', async () => {
      const { agent, email } = await signUp(t.app);
      const other = request.agent(t.app);
      expect((await submitForm(other, '/signin', '/signin', { email, password: goodPassword }, { 'X-Forwarded-For': '198.51.100.77' })).status).toBe(303);
      await submitForm(request.agent(t.app), '/password/forgot', '/password/forgot', { email }, { 'X-Forwarded-For': '198.51.100.78' });
      const reset = resetLinkIn(await mailMatching(dataDir(), email, /\/password\/reset\//));

      const next = newEmail();
      const asked = await submitForm(agent, '/account', '/account/email', { newEmail: next, password: goodPassword });
      expect(asked.status).toBe(200);
      expect(asked.text).toContain(`We have sent a link to ${next}`);
      expect((await me(agent)).email).toBe(email);
      await mailMatching(dataDir(), email, new RegExp(`change its email address to ${next.replace(/[.+]/g, '\\$&')}`));
      const link = await verifyLinkTo(dataDir(), next);

      const page = await agent.get(link).expect(200);
      expect(page.text).toContain(next);
      expect((await me(agent)).email).toBe(email);
      const applied = await agent.post(link).type('form').send({ _csrf: csrfTokenIn(page.text) });
      expect(applied.status).toBe(303);
      expect(applied.headers.location).toBe('/account?changed=email');
      expect(await me(agent)).toMatchObject({ signedIn: true, email: next, emailVerified: true });
      expect((await me(other)).signedIn).toBe(false);
      expect((await request(t.app).get(reset.pathname)).status).toBe(400);
    });

    it('when the new address is another account\'s, or the password is wrong, then 400 and no mail to it', async () => {
      const { agent, email } = await signUp(t.app);
      await verifyLinkTo(dataDir(), email);
      const { email: taken } = await signUp(t.app);
      await verifyLinkTo(dataDir(), taken);
      const before = mailsTo(dataDir(), taken).length;
      const clash = await submitForm(agent, '/account', '/account/email', { newEmail: taken, password: goodPassword });
      expect(clash.status).toBe(400);
      expect(clash.text).toContain('Another account uses this email address.');
      const unknown = newEmail();
      const beforeOwn = mailsTo(dataDir(), email).length;
      const wrong = await submitForm(agent, '/account', '/account/email', { newEmail: unknown, password: 'not the password at all' });
      expect(wrong.status).toBe(400);
      expect(mailsTo(dataDir(), taken)).toHaveLength(before);
      expect(mailsTo(dataDir(), unknown)).toHaveLength(0);
      expect(mailsTo(dataDir(), email)).toHaveLength(beforeOwn);
    });

    it('when an account is deleted, then its outstanding links go with it', async () => {
      const { email } = await signUp(t.app);
      const link = await verifyLinkTo(dataDir(), email);
      const account = await t.deps.auth.accountsRepository.findByEmail(email);
      const tokensOf = () => t.deps.database.db.selectFrom('email_tokens').select('token_hash').where('account_id', '=', account!.id).execute();
      expect(await tokensOf()).toHaveLength(1);
      await t.deps.account.deletion.delete(account!.id);
      expect(await tokensOf()).toHaveLength(0);
      expect((await request(t.app).get(link)).status).toBe(400);
    });

    it('when the verification link is unknown, then a readable 400 page', async () => {
      const page = await request(t.app).get(`/account/verify/${'A'.repeat(43)}`);
      expect(page.status).toBe(400);
      expect(page.text).toContain('expired or was already used');
    });
  });
}
