import request from 'supertest';
import { describeMode, modes, startTestApp, type TestApp } from '../support/test-app';
import { csrfTokenIn, goodPassword, newEmail, sessionCookieOf, signUp, submitForm } from '../support/http';


for (const mode of modes) {
  describeMode(mode)(`accounts over HTTP (${mode})`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(mode, { throttleLimits: { perAccountAndAddress: 3, perAddress: 6, windowSeconds: 600, blockSeconds: 600 } });
    });
    afterAll(() => t.close());

    it('when a reader signs up from an article, then they land back on it signed in, with two consent records', async () => {
      const { agent, email, response } = await signUp(t.app, newEmail(), goodPassword, '/articles/harbour-bridge-reopens');
      expect(response.headers.location).toBe('/articles/harbour-bridge-reopens');
      const account = await agent.get('/account').expect(200);
      expect(account.text).toContain(email);
      const data = await agent.get('/account/data.json').expect(200).expect('content-type', /json/);
      expect(data.body.account.email).toBe(email);
      expect(data.body.consents).toEqual([
        expect.objectContaining({ document: 'terms', version: '1', method: 'signup', wording: expect.stringContaining('By continuing you agree') }),
        expect.objectContaining({ document: 'privacy', version: '1', method: 'signup' }),
      ]);
    });

    it('when the signup and signin pages load, then they carry the consent sentence with links', async () => {
      for (const page of ['/signup', '/signin']) {
        const response = await request(t.app).get(page).expect(200);
        expect(response.text).toContain('By continuing you agree to our <a href="/privacy">Privacy Policy</a> and <a href="/terms">Terms of Use</a>');
      }
      expect((await request(t.app).get('/signup')).text).toContain('Create a free account');
    });

    it('when the password is too short or common, then 400 with the reason and no account', async () => {
      const agent = request.agent(t.app);
      const email = newEmail();
      const short = await submitForm(agent, '/signup', '/signup', { email, password: 'short' });
      expect(short.status).toBe(400);
      expect(short.text).toContain('Use at least 8 characters.');
      const common = await submitForm(agent, '/signup', '/signup', { email, password: 'password123' });
      expect(common.status).toBe(400);
      expect(common.text).toContain('most common');
      await submitForm(agent, '/signin', '/signin', { email, password: 'password123' }).then((r) => expect(r.status).toBe(401));
    });

    it('when the email is invalid or already registered, then 400 with a clear message', async () => {
      const agent = request.agent(t.app);
      const bad = await submitForm(agent, '/signup', '/signup', { email: 'not-an-email', password: goodPassword });
      expect(bad.status).toBe(400);
      expect(bad.text).toContain('Enter a valid email address');
      const { email } = await signUp(t.app);
      const again = await submitForm(request.agent(t.app), '/signup', '/signup', { email: email.toUpperCase(), password: goodPassword });
      expect(again.status).toBe(400);
      expect(again.text).toContain('already exists');
    });

    it('when a form is posted without its CSRF token or with another session\'s, then 403 and nothing changes', async () => {
      const email = newEmail();
      const none = await request(t.app).post('/signup').type('form').send({ email, password: goodPassword });
      expect(none.status).toBe(403);
      expect(none.text).toContain('This form has expired');
      const otherToken = csrfTokenIn((await request(t.app).get('/signup')).text);
      const agent = request.agent(t.app);
      await agent.get('/signup');
      await agent.post('/signup').type('form').send({ email, password: goodPassword, _csrf: otherToken }).expect(403);
      const signin = await request(t.app).post('/signin').type('form').send({ email, password: goodPassword });
      expect(signin.status).toBe(403);
      expect(await t.deps.auth.accountsRepository.findByEmail(email)).toBeUndefined();
    });

    it('when a reader signs in, then the session id changes (no fixation) and they reach returnTo', async () => {
      const { email } = await signUp(t.app);
      // A browser that already holds a session (another account's) signs in again.
      const { agent, response: first } = await signUp(t.app);
      const before = sessionCookieOf(first);
      expect(before).toBeDefined();
      const page = await agent.get('/signin?reauth=1&returnTo=/account');
      const response = await agent.post('/signin').type('form').send({ email, password: goodPassword, returnTo: '/account', _csrf: csrfTokenIn(page.text) });
      expect(response.status).toBe(303);
      expect(response.headers.location).toBe('/account');
      const after = sessionCookieOf(response);
      expect(after).toBeDefined();
      expect(after).not.toBe(before);
      // The pre-sign-in cookie no longer grants anything.
      await request(t.app).get('/account').set('Cookie', before!).expect(303);
      await agent.get('/account').expect(200);
    });

    it('when an anonymous reader opens the form pages, then no session is created (the CSRF token is in a signed cookie), and the forms work', async () => {
      const countSessions = async () =>
        t.deps.redis ? (await t.deps.redis.keys(`${t.deps.config.redisKeyPrefix}sess:*`)).length : (await t.deps.database.db.selectFrom('sessions').select('sid').execute()).length;
      const sessionsBefore = await countSessions();
      const agent = request.agent(t.app);
      const csrfCookies: string[] = [];
      for (const path of ['/signin', '/signup', '/password/forgot', '/signin/email']) {
        const page = await agent.get(path).expect(200);
        expect([path, sessionCookieOf(page)]).toEqual([path, undefined]);
        csrfCookies.push(...([] as string[]).concat(page.headers['set-cookie'] ?? []).filter((c) => c.startsWith('gatehouse.csrf=')));
      }
      // One signed, HttpOnly cookie, given with the first form and reused by the others.
      expect(csrfCookies).toHaveLength(1);
      expect(csrfCookies[0]).toMatch(/^gatehouse\.csrf=s%3A.*HttpOnly.*SameSite=Lax/i);
      expect(await countSessions()).toBe(sessionsBefore);
      // The token only works with its cookie: the same form posted from another browser is refused.
      const page = await agent.get('/signin');
      const token = csrfTokenIn(page.text);
      const { email } = await signUp(t.app);
      const beforeSignIn = await countSessions();
      await request(t.app).post('/signin').type('form').send({ email, password: goodPassword, _csrf: token }).expect(403);
      const signedIn = await agent.post('/signin').type('form').send({ email, password: goodPassword, _csrf: token });
      expect(signedIn.status).toBe(303);
      expect(await countSessions()).toBe(beforeSignIn + 1);
    });

    it('when a reader signs out, then the server-side session is gone even for a replayed cookie', async () => {
      const { agent, response } = await signUp(t.app);
      const stolen = sessionCookieOf(response);
      expect(stolen).toBeDefined();
      await request(t.app).get('/account').set('Cookie', stolen!).expect(200);
      const accountPage = await agent.get('/account').expect(200);
      const signout = await agent.post('/signout').type('form').send({ _csrf: csrfTokenIn(accountPage.text) });
      expect(signout.status).toBe(303);
      await agent.get('/account').expect(303).expect('location', '/signin?returnTo=%2Faccount');
      await request(t.app).get('/account').set('Cookie', stolen!).expect(303);
    });

    it('when the email is unknown or the password wrong, then the answer is the same', async () => {
      const { email } = await signUp(t.app);
      const wrong = await submitForm(request.agent(t.app), '/signin', '/signin', { email, password: 'not the password' }, { 'X-Forwarded-For': '10.9.0.1' });
      const unknown = await submitForm(request.agent(t.app), '/signin', '/signin', { email: newEmail(), password: 'not the password' }, { 'X-Forwarded-For': '10.9.0.2' });
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(wrong.status);
      const message = (html: string) => /<p class="field__error" id="password-error">([^<]*)<\/p>/.exec(html)?.[1];
      expect(message(wrong.text)).toBe('That email and password do not match an account.');
      expect(message(unknown.text)).toBe(message(wrong.text));
    });

    it('when credentials come in the query string, then they are refused', async () => {
      const { email } = await signUp(t.app);
      const agent = request.agent(t.app);
      const page = await agent.get('/signin');
      const response = await agent
        .post(`/signin?email=${encodeURIComponent(email)}&password=${encodeURIComponent(goodPassword)}`)
        .type('form')
        .send({ _csrf: csrfTokenIn(page.text) });
      expect(response.status).toBe(400);
      await agent.get('/account').expect(303);
    });

    it('when sign-ins fail repeatedly, then 429 with Retry-After, but the owner elsewhere still signs in', async () => {
      const { email } = await signUp(t.app);
      const attacker = { 'X-Forwarded-For': '203.0.113.7' };
      for (let i = 0; i < 3; i += 1) {
        expect((await submitForm(request.agent(t.app), '/signin', '/signin', { email, password: `guess ${i} wrong` }, attacker)).status).toBe(401);
      }
      const blocked = await submitForm(request.agent(t.app), '/signin', '/signin', { email, password: goodPassword }, attacker);
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
      const owner = await submitForm(request.agent(t.app), '/signin', '/signin', { email, password: goodPassword }, { 'X-Forwarded-For': '198.51.100.20' });
      expect(owner.status).toBe(303);
    });

    it('when one address fails on many accounts, then that address is throttled', async () => {
      const address = { 'X-Forwarded-For': '192.0.2.99' };
      const statuses: number[] = [];
      for (let i = 0; i < 7; i += 1) {
        statuses.push((await submitForm(request.agent(t.app), '/signin', '/signin', { email: newEmail(), password: 'wrong wrong' }, address)).status);
      }
      expect(statuses.slice(0, 6)).toEqual([401, 401, 401, 401, 401, 401]);
      expect(statuses[6]).toBe(429);
    });

    it.each(['https://evil.example/', '//evil.example', '/\\evil.example'])('when returnTo is %s, then sign-up lands on the front page', async (returnTo) => {
      const agent = request.agent(t.app);
      const response = await submitForm(agent, '/signup', '/signup', { email: newEmail(), password: goodPassword, returnTo });
      expect(response.status).toBe(303);
      expect(response.headers.location).toBe('/');
    });

    it('when the terms and privacy pages load, then they show the current version, and old versions by query', async () => {
      const terms = await request(t.app).get('/terms').expect(200);
      expect(terms.text).toContain('Terms of Use');
      expect(terms.text).toContain('Version 1');
      await request(t.app).get('/privacy?version=1').expect(200);
      await request(t.app).get('/privacy?version=99').expect(404);
    });

    it('when pages are served, then cookies are HttpOnly and SameSite=Lax and the CSP allows no inline script', async () => {
      const response = await request(t.app).get('/signup').expect(200);
      expect(response.headers['set-cookie']?.[0]).toMatch(/HttpOnly; SameSite=Lax/);
      expect(response.headers['content-security-policy']).toContain("script-src 'self'");
      expect(response.headers['content-security-policy']).not.toContain('unsafe-inline');
    });

    it('when an anonymous reader reads articles, then no session is created', async () => {
      const home = await request(t.app).get('/').expect(200);
      expect(home.headers['set-cookie']).toBeUndefined();
      const article = await request(t.app).get('/articles/market-hall-restoration').expect(200);
      expect(article.text).toContain('The market hall');
      // The meter's reader cookie, yes; a server-side session, no.
      expect(sessionCookieOf(article)).toBeUndefined();
      expect(([] as string[]).concat(article.headers['set-cookie'] ?? []).map((c) => c.split('=')[0])).toEqual(['gatehouse.reader']);
    });

    it('when input is malformed, then a 4xx page, never a 5xx', async () => {
      await request(t.app).get('/articles/no-such-article').expect(404);
      await request(t.app).get('/sections/nowhere').expect(404);
      const agent = request.agent(t.app);
      const page = await agent.get('/signup');
      const token = csrfTokenIn(page.text);
      const arrays = await agent.post('/signup').type('form').send(`email=a@b.co&email=c@d.co&password=x&password=y&_csrf=${token}`);
      expect(arrays.status).toBe(400);
      const huge = await agent.post('/signup').type('form').send({ email: 'a@b.co', password: 'x'.repeat(40_000), _csrf: token });
      expect(huge.status).toBe(413);
      const json = await agent.post('/signin').set('Content-Type', 'application/json').send('{"email": ');
      expect(json.status).toBe(400);
    });

    it('when health is asked, then /healthz and /readyz answer 200', async () => {
      await request(t.app).get('/healthz').expect(200, { status: 'ok' });
      const ready = await request(t.app).get('/readyz').expect(200);
      expect(ready.body.checks.database).toBe('ok');
      if (mode === 'production') expect(ready.body.checks.redis).toBe('ok');
    });
  });
}
