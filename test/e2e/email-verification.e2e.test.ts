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

      // A mail scanner fetching the link verifies nothing; the signed-in reader gets the button.
      const scanned = await request(t.app).get(link).expect(200);
      expect(scanned.headers['cache-control']).toBe('private, no-store');
      expect((await agent.get(link).expect(200)).text).toContain(`action="${link}"`);
      expect((await me(agent)).emailVerified).toBe(false);

      const done = await follow(agent, link);
      expect(done.status).toBe(200);
      expect(done.text).toContain('Your email address is confirmed');
      expect((await me(agent)).emailVerified).toBe(true);
      expect((await request(t.app).get(link)).status).toBe(400);
    });

    it('when someone squatted an email and its owner opens the welcome link without being signed in to it, then it asks to sign in and verifies nothing', async () => {
      const { email } = await signUp(t.app);
      const link = await verifyLinkTo(dataDir(), email);
      const visitor = request.agent(t.app);
      const page = await visitor.get(link).expect(200);
      expect(page.text).toContain('Sign in to confirm your email address');
      expect(page.text).toContain(`href="/signin?returnTo=${encodeURIComponent(link)}"`);
      const posted = await visitor.post(link).type('form').send({ _csrf: csrfTokenIn((await visitor.get('/signin')).text) });
      expect(posted.status).toBe(403);
      expect(posted.text).toContain('Sign in to confirm your email address');
      const { agent: someoneElse } = await signUp(t.app);
      const other = await someoneElse.get(link).expect(200);
      expect(other.text).toContain('another account');
      expect((await someoneElse.post(link).type('form').send({ _csrf: csrfTokenIn((await someoneElse.get('/account')).text) })).status).toBe(403);
      expect((await t.deps.auth.accountsRepository.findByEmail(email))?.emailVerifiedAt).toBeUndefined();
      // Nothing was spent: the reader signed in to the account still confirms with it.
      const signin = await submitForm(request.agent(t.app), `/signin?returnTo=${encodeURIComponent(link)}`, '/signin', { email, password: goodPassword, returnTo: link }, { 'X-Forwarded-For': '198.51.100.90' });
      expect(signin.headers.location).toBe(link);
    });

    it('when a squatter changes their own account to the victim\'s address and the victim opens the mailed link, then nothing is confirmed', async () => {
      const { agent: squatter, email: squatterEmail } = await signUp(t.app);
      const victim = newEmail();
      expect((await submitForm(squatter, '/account', '/account/email', { newEmail: victim, password: goodPassword })).status).toBe(200);
      const link = /\/account\/verify\/[A-Za-z0-9_-]{43}/.exec(await mailMatching(dataDir(), victim, /\/account\/verify\//))![0];
      const visitor = request.agent(t.app);
      expect((await visitor.get(link).expect(200)).text).toContain('Sign in to confirm your email address');
      const posted = await visitor.post(link).type('form').send({ _csrf: csrfTokenIn((await visitor.get('/signin')).text) });
      expect(posted.status).toBe(403);
      expect(await t.deps.auth.accountsRepository.findByEmail(victim)).toBeUndefined();
      expect((await t.deps.auth.accountsRepository.findByEmail(squatterEmail))?.email).toBe(squatterEmail);
    });

    it('when a reader asks for 6 changes of email in a day, or one address is asked for by 4 changes, then 429 with Retry-After and a readable message', async () => {
      const { agent } = await signUp(t.app);
      const statuses: number[] = [];
      let last;
      for (let i = 0; i < 6; i += 1) {
        last = await submitForm(agent, '/account', '/account/email', { newEmail: newEmail(), password: goodPassword });
        statuses.push(last.status);
      }
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
      expect(Number(last!.headers['retry-after'])).toBeGreaterThan(60 * 60);
      expect(last!.text).toContain('Too many changes of email address were asked for.');

      const target = newEmail();
      const targeted: number[] = [];
      for (let i = 0; i < 4; i += 1) targeted.push((await submitForm((await signUp(t.app)).agent, '/account', '/account/email', { newEmail: target, password: goodPassword })).status);
      expect(targeted).toEqual([200, 200, 200, 429]);
      await mailMatching(dataDir(), target, /Confirm your new email address|open this link/);
      expect(mailsTo(dataDir(), target)).toHaveLength(3);
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
