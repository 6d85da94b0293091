import request from 'supertest';
import { describeMode, modes, startTestApp, type TestApp } from '../support/test-app';
import { csrfTokenIn, newEmail, signUp, submitForm, type Agent } from '../support/http';
import { mailsTo, signinLinkTo, verifyLinkTo } from '../support/email-links';
import { consentWording as wordingIn } from '../../src/auth/accounts.service';
import { buildMessages } from '../../src/http/i18n';

/** The consent line as the English pages show it, word for word. */
const consentWording = wordingIn(buildMessages('en'));

let address = 0;
/** Each test asks from its own network, so the throttles of one do not reach another. */
const nextNetwork = () => `203.0.113.${(address += 1)}`;

for (const mode of modes) {
  describeMode(mode)(`emailed sign-in links (${mode})`, () => {
    let t: TestApp;
    let now = Date.now();
    beforeAll(async () => {
      t = await startTestApp(mode, { clock: () => now });
    });
    afterAll(() => t.close());

    const dataDir = () => t.deps.config.dataDir;
    const ask = (agent: Agent, email: string, returnTo = '/', network = nextNetwork()) =>
      submitForm(agent, `/signin/email?returnTo=${encodeURIComponent(returnTo)}`, '/signin/email', { email, returnTo }, { 'X-Forwarded-For': network });
    const confirm = async (agent: Agent, linkPath: string) => {
      const page = await agent.get(linkPath).expect(200);
      const fields: Record<string, string> = { _csrf: csrfTokenIn(page.text) };
      for (const [, name, value] of page.text.matchAll(/name="(termsVersion|privacyVersion)" value="([^"]*)"/g)) fields[name!] = value!;
      return agent.post(linkPath).type('form').send(fields);
    };
    const me = async (agent: Agent) => (await agent.get('/api/me').expect(200)).body as { signedIn: boolean; email: string | null; emailVerified: boolean };
    /** A reader who signed up and confirmed the address from the mail, signed in: their password stays theirs. */
    const verifiedSignUp = async () => {
      const reader = await signUp(t.app);
      const link = await verifyLinkTo(dataDir(), reader.email);
      const page = await reader.agent.get(link).expect(200);
      await reader.agent.post(link).type('form').send({ _csrf: csrfTokenIn(page.text) }).expect(200);
      return reader;
    };

    it('when a known reader follows the mailed link, then GET only shows a button, POST signs in once, to the returnTo', async () => {
      const { email } = await verifiedSignUp();
      const reader = request.agent(t.app);
      const asked = await ask(reader, email, '/articles/some-story?x=1');
      expect(asked.status).toBe(200);
      expect(asked.text).toContain('Check your email');
      const { path } = await signinLinkTo(dataDir(), email);

      // A mail scanner fetching the link spends nothing.
      const scanned = await request(t.app).get(path).expect(200);
      expect(scanned.text).toContain(`action="${path}"`);
      expect(scanned.headers['referrer-policy']).toBe('no-referrer');
      expect(scanned.headers['cache-control']).toBe('private, no-store');
      expect((await me(reader)).signedIn).toBe(false);

      const before = (await reader.get(path)).headers['set-cookie'];
      const signedIn = await confirm(reader, path);
      expect(signedIn.status).toBe(303);
      expect(signedIn.headers.location).toBe('/articles/some-story?x=1');
      expect(signedIn.headers['set-cookie']).not.toEqual(before);
      expect(await me(reader)).toMatchObject({ signedIn: true, email, emailVerified: true });

      const replay = await request.agent(t.app).get(path);
      expect(replay.status).toBe(400);
      expect(replay.text).toContain('href="/signin/email"');
    });

    it('when a spent link is posted again with a valid form, then 400 and nobody is signed in', async () => {
      const { email } = await signUp(t.app);
      await ask(request.agent(t.app), email);
      const { path } = await signinLinkTo(dataDir(), email);
      expect((await confirm(request.agent(t.app), path)).status).toBe(303);
      const other = request.agent(t.app);
      const page = await other.get('/signin/email');
      const replay = await other.post(path).type('form').send({ _csrf: csrfTokenIn(page.text) });
      expect(replay.status).toBe(400);
      expect(replay.text).toContain('expired or was already used');
      expect((await me(other)).signedIn).toBe(false);
    });

    it('when the email is unknown, then the same page, and the link creates a passwordless account with signup-email consent records', async () => {
      const { email: known } = await signUp(t.app);
      const unknown = newEmail();
      const knownPage = await ask(request.agent(t.app), known);
      const unknownPage = await ask(request.agent(t.app), unknown);
      const normalise = (html: string, address: string) => html.replace(/name="_csrf" value="[^"]+"/g, '').replaceAll(address, 'EMAIL');
      expect(unknownPage.status).toBe(knownPage.status);
      expect(normalise(unknownPage.text, unknown)).toBe(normalise(knownPage.text, known));
      expect(await t.deps.auth.accountsRepository.findByEmail(unknown)).toBeUndefined();

      const record = jest.spyOn(t.deps.funnel.recorder, 'record');
      const { path } = await signinLinkTo(dataDir(), unknown);
      const reader = request.agent(t.app);
      const page = await reader.get(path).expect(200);
      expect(page.text).toContain('By continuing you agree to our <a href="/privacy">Privacy Policy</a> and <a href="/terms">Terms of Use</a>.');
      expect(await t.deps.auth.accountsRepository.findByEmail(unknown)).toBeUndefined();
      const created = await confirm(reader, path);
      expect(created.status).toBe(303);

      const account = await t.deps.auth.accountsRepository.findByEmail(unknown);
      expect(account?.passwordHash).toBe('');
      expect(account?.emailVerifiedAt).toBeDefined();
      expect(record).toHaveBeenCalledWith('signup', expect.stringContaining(account!.id));
      record.mockRestore();
      const consents = await t.deps.consent.policies.consentsOf(account!.id);
      expect(consents.map((c) => [c.document, c.method, c.wording]).sort()).toEqual([
        ['privacy', 'signup-email', consentWording],
        ['terms', 'signup-email', consentWording],
      ]);
      expect(await me(reader)).toMatchObject({ signedIn: true, email: unknown, emailVerified: true });

      // No password opens it, the empty one included.
      for (const password of ['', 'lantern harbour tide']) {
        const attempt = await submitForm(request.agent(t.app), '/signin', '/signin', { email: unknown, password }, { 'X-Forwarded-For': nextNetwork() });
        expect(attempt.status).toBeGreaterThanOrEqual(400);
        expect(attempt.headers.location).toBeUndefined();
      }
    });

    it('when a passwordless reader has just signed in by link, then they set a password without a current one, and may delete the account', async () => {
      const email = newEmail();
      await ask(request.agent(t.app), email);
      const { path } = await signinLinkTo(dataDir(), email);
      const reader = request.agent(t.app);
      await reader.get(path).expect(200);
      expect((await confirm(reader, path)).status).toBe(303);
      const account = await reader.get('/account').expect(200);
      expect(account.text).toContain('Set a password');
      expect(account.text).not.toContain('id="currentPassword"');
      const set = await reader.post('/account/password').type('form').send({ newPassword: 'a lighthouse keeper', _csrf: csrfTokenIn(account.text) });
      expect(set.status).toBe(303);
      const signedIn = await submitForm(request.agent(t.app), '/signin', '/signin', { email, password: 'a lighthouse keeper' }, { 'X-Forwarded-For': nextNetwork() });
      expect(signedIn.status).toBe(303);
      // From now on the password is what re-checks ask for.
      expect((await reader.get('/account')).text).toContain('id="currentPassword"');

      const other = newEmail();
      await ask(request.agent(t.app), other);
      const link = await signinLinkTo(dataDir(), other);
      const passwordless = request.agent(t.app);
      await passwordless.get(link.path).expect(200);
      expect((await confirm(passwordless, link.path)).status).toBe(303);
      const form = await passwordless.get('/account/delete').expect(200);
      expect(form.text).not.toContain('id="password"');
      const deleted = await passwordless.post('/account/delete').type('form').send({ _csrf: csrfTokenIn(form.text) });
      expect(deleted.status).toBe(200);
      expect(await t.deps.auth.accountsRepository.findByEmail(other)).toBeUndefined();
    });

    it('when a link is older than 15 minutes, then GET and POST refuse it with a way to ask again', async () => {
      const { email } = await signUp(t.app);
      await ask(request.agent(t.app), email);
      const { path } = await signinLinkTo(dataDir(), email);
      const reader = request.agent(t.app);
      const page = await reader.get(path).expect(200);
      now += 16 * 60 * 1000;
      const late = await reader.post(path).type('form').send({ _csrf: csrfTokenIn(page.text) });
      expect(late.status).toBe(400);
      expect(late.text).toContain('Email me a new sign-in link');
      expect((await request(t.app).get(path)).status).toBe(400);
      expect((await me(reader)).signedIn).toBe(false);
      // A day past expiry the row goes, email address and all, when the next link is made.
      const rowsOf = async () => (await t.deps.database.db.selectFrom('email_tokens').select('email').where('email', '=', email).where('purpose', '=', 'signin').execute()).length;
      expect(await rowsOf()).toBeGreaterThan(0);
      now += 25 * 60 * 60 * 1000;
      await ask(request.agent(t.app), newEmail());
      expect(await rowsOf()).toBe(0);
    });

    it('when the code from the mail is entered, then 5 wrong tries spend the link, and a right one signs in to the returnTo', async () => {
      const { email } = await verifiedSignUp();
      const network = nextNetwork();
      const reader = request.agent(t.app);
      const checkPage = await ask(reader, email, '/section/news', network);
      expect(checkPage.text).toContain('action="/signin/email/code"');
      const { code } = await signinLinkTo(dataDir(), email);
      const wrong = code === '000000' ? '111111' : '000000';
      const tryCode = (value: string) =>
        reader.post('/signin/email/code').set('X-Forwarded-For', network).type('form').send({ email, code: value, returnTo: '/section/news', _csrf: csrfTokenIn(checkPage.text) });
      for (let i = 0; i < 5; i += 1) expect((await tryCode(wrong)).status).toBe(400);
      expect((await tryCode(code)).status).toBe(400);
      expect((await me(reader)).signedIn).toBe(false);

      const before = mailsTo(dataDir(), email).filter((mail) => mail.includes('/signin/email/')).length;
      // The outbox names mails by the clock: a later second keeps the new one last.
      now += 1000;
      const again = await ask(reader, email, '/section/news', network);
      const fresh = await signinLinkTo(dataDir(), email, before);
      const signedIn = await reader.post('/signin/email/code').set('X-Forwarded-For', network).type('form').send({ email, code: fresh.code, returnTo: '/section/news', _csrf: csrfTokenIn(again.text) });
      expect(signedIn.status).toBe(303);
      expect(signedIn.headers.location).toBe('/section/news');
      expect(await me(reader)).toMatchObject({ signedIn: true, email });
    });

    it.each(['https://evil.example/x', '//evil.example/x', '/\\evil.example', '/.//evil.example/x'])('when the returnTo is %s, then the link leads to a path on this site', async (returnTo) => {
      const { email } = await signUp(t.app);
      await ask(request.agent(t.app), email, returnTo);
      const { path } = await signinLinkTo(dataDir(), email);
      const signedIn = await confirm(request.agent(t.app), path);
      expect(signedIn.status).toBe(303);
      expect(signedIn.headers.location).toMatch(/^\/(?![/\\])/);
    });

    it('when links are asked for again and again for one email, then 429 with Retry-After, and no throttle key holds the email', async () => {
      const email = newEmail();
      const network = nextNetwork();
      const statuses: number[] = [];
      let last;
      for (let i = 0; i < 6; i += 1) {
        last = await ask(request.agent(t.app), email, '/', network);
        statuses.push(last.status);
      }
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
      expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
      if (t.deps.redis) {
        const keys = await t.deps.redis.keys(`${t.deps.config.redisKeyPrefix}*`);
        expect(keys.some((k) => k.includes('signin-link'))).toBe(true);
        expect(keys.filter((k) => k.toLowerCase().includes(email.split('@')[0]!))).toEqual([]);
      }
    });

    it.each(['link', 'code'])('when someone signed up first with the owner\'s email and a password, then the owner\'s emailed %s removes it, ends its sessions and links, and signs the owner in verified', async (way) => {
      const { agent: squatter, email, password } = await signUp(t.app);
      const verifyLink = await verifyLinkTo(dataDir(), email);
      await squatter.get('/account').expect(200);
      const owner = request.agent(t.app);
      const network = nextNetwork();
      const asked = await ask(owner, email, '/articles/some-story', network);
      const link = await signinLinkTo(dataDir(), email);
      const signedIn =
        way === 'link'
          ? await confirm(owner, link.path)
          : await owner.post('/signin/email/code').set('X-Forwarded-For', network).type('form').send({ email, code: link.code, returnTo: '/articles/some-story', _csrf: csrfTokenIn(asked.text) });
      expect(signedIn.status).toBe(303);
      expect(signedIn.headers.location).toBe('/signin/email/password-removed');
      const landing = await owner.get('/signin/email/password-removed').expect(200);
      expect(landing.text).toContain('We removed the password that was set on this account before this email address was confirmed.');
      expect(landing.text).toContain('href="/articles/some-story"');
      expect((await owner.get('/account').expect(200)).text).toContain('We removed the password set before this email address was confirmed');
      expect(await me(owner)).toMatchObject({ signedIn: true, email, emailVerified: true });

      expect((await me(squatter)).signedIn).toBe(false);
      const byPassword = await submitForm(request.agent(t.app), '/signin', '/signin', { email, password }, { 'X-Forwarded-For': nextNetwork() });
      expect(byPassword.status).toBe(401);
      expect((await request(t.app).get(verifyLink)).status).toBe(400);
      expect((await t.deps.auth.accountsRepository.findByEmail(email))?.passwordHash).toBe('');
    });

    it('when a verified reader with a password signs in by link, then the password stays and they land on the returnTo', async () => {
      const { email, password } = await verifiedSignUp();
      await ask(request.agent(t.app), email, '/section/news');
      const { path } = await signinLinkTo(dataDir(), email);
      const signedIn = await confirm(request.agent(t.app), path);
      expect(signedIn.headers.location).toBe('/section/news');
      expect((await submitForm(request.agent(t.app), '/signin', '/signin', { email, password }, { 'X-Forwarded-For': nextNetwork() })).status).toBe(303);
    });

    it('when codes for one email are tried from many networks, then the 11th in a day is refused for far longer than 15 minutes, while a link still signs in', async () => {
      const { email } = await verifiedSignUp();
      // One browser holding the form; each try comes from a new network, as a rotating guesser's would.
      const agent = request.agent(t.app);
      const page = await ask(agent, email);
      const statuses: number[] = [];
      let last;
      for (let i = 0; i < 11; i += 1) {
        last = await agent.post('/signin/email/code').set('X-Forwarded-For', nextNetwork()).type('form').send({ email, code: '000000', _csrf: csrfTokenIn(page.text) });
        statuses.push(last.status);
      }
      expect(statuses.slice(0, 10).every((status) => status === 400)).toBe(true);
      expect(last!.status).toBe(429);
      expect(Number(last!.headers['retry-after'])).toBeGreaterThan(15 * 60);
      expect(last!.text).toContain('follow the link in the mail');

      const before = mailsTo(dataDir(), email).filter((mail) => mail.includes('/signin/email/')).length;
      now += 1000;
      await ask(request.agent(t.app), email);
      const fresh = await signinLinkTo(dataDir(), email, before);
      expect((await confirm(request.agent(t.app), fresh.path)).status).toBe(303);
    });

    it('when links for one email are asked for from 21 networks in a day, then the 21st is refused with Retry-After', async () => {
      const email = newEmail();
      const statuses: number[] = [];
      let last;
      for (let i = 0; i < 21; i += 1) {
        last = await ask(request.agent(t.app), email);
        statuses.push(last.status);
      }
      expect(statuses).toEqual([...Array<number>(20).fill(200), 429]);
      expect(Number(last!.headers['retry-after'])).toBeGreaterThan(60 * 60);
      await signinLinkTo(dataDir(), email, 19);
      expect(mailsTo(dataDir(), email)).toHaveLength(20);
    });

    it('when the form is sent without a valid email, then 400 with the form again', async () => {
      const bad = await ask(request.agent(t.app), 'not-an-email');
      expect(bad.status).toBe(400);
      expect(bad.text).toContain('action="/signin/email"');
      const badCode = await request(t.app).get('/signin/email/not-a-token');
      expect(badCode.status).toBe(400);
    });
  });
}
