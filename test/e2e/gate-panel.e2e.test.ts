import request from 'supertest';
import { describeMode, modes, startTestApp, type TestApp } from '../support/test-app';
import { csrfTokenIn, goodPassword, newEmail, signUp, type Agent } from '../support/http';
import { mailsTo, signinLinkTo } from '../support/email-links';
import { meterSettingsOf } from '../support/meter-settings';
import { makeFixtureContent, marker } from '../support/fixture-content';
import { consentWording as wordingIn } from '../../src/auth/accounts.service';
import { buildMessages } from '../../src/http/i18n';

/** The consent line as the English pages show it, word for word. */
const consentWording = wordingIn(buildMessages('en'));

let address = 0;
/** Each test asks from its own network, so the throttles of one do not reach another. */
const nextNetwork = () => `192.0.2.${(address += 1)}`;

for (const mode of modes) {
  describeMode(mode)(`the gate's one step: sign in or create a free account (${mode})`, () => {
    let t: TestApp;
    let apiKey: string;
    const settings = meterSettingsOf(() => t, () => apiKey);
    beforeAll(async () => {
      t = await startTestApp(mode, { env: { CONTENT_DIR: makeFixtureContent() } });
      apiKey = (await t.deps.admin.apiKeys.create('tests')).key;
      await settings({ anonymousLimit: 0 });
    });
    afterAll(() => t.close());

    const dataDir = () => t.deps.config.dataDir;
    /** A new reader at the wall of `slug`, from its own network. */
    const atTheWall = async (slug = 'marked') => {
      const agent = request.agent(t.app);
      const network = nextNetwork();
      const wall = await agent.get(`/articles/${slug}`).set('X-Forwarded-For', network).expect(200);
      return { agent, network, wall };
    };
    const continueWith = (agent: Agent, network: string, wallHtml: string, email: string, returnTo = '/articles/marked#continue-reading') =>
      agent.post('/signin/continue').set('X-Forwarded-For', network).type('form').send({ _csrf: csrfTokenIn(wallHtml), email, returnTo });

    it('when a new reader meets the registration wall, then one panel offers the email, the consent line and its links, with a working CSRF token', async () => {
      const { wall } = await atTheWall();
      expect(wall.headers['x-access-decision']).toBe('registration-wall');
      const gate = /<section class="gate[\s\S]*?<\/section>/.exec(wall.text)![0];
      expect(gate).toContain('Sign in or Create a free account');
      expect(gate).toContain('action="/signin/continue"');
      expect(gate).toMatch(/<label for="gate-email">Email address<\/label>/);
      expect(gate).toContain('name="returnTo" value="/articles/marked#continue-reading"');
      expect(gate).toContain('By continuing you agree to our <a href="/privacy">Privacy Policy</a> and <a href="/terms">Terms of Use</a>');
      expect(gate).not.toContain(marker(3));
      expect(csrfTokenIn(gate)).toMatch(/^[0-9a-f]{64}$/);
    });

    it('when a new reader continues with their email, then the mailed link creates the account with its consents and brings them back to the article, whole', async () => {
      const { agent, network, wall } = await atTheWall();
      const email = newEmail();
      const sent = await continueWith(agent, network, wall.text, email);
      expect(sent.status).toBe(200);
      expect(sent.text).toContain('Check your email');
      const { path } = await signinLinkTo(dataDir(), email);
      const confirm = await agent.get(path).expect(200);
      expect(confirm.text).toContain('By continuing you agree to our');
      const fields: Record<string, string> = { _csrf: csrfTokenIn(confirm.text) };
      for (const [, name, value] of confirm.text.matchAll(/name="(termsVersion|privacyVersion)" value="([^"]*)"/g)) fields[name!] = value!;
      const created = await agent.post(path).type('form').send(fields).expect(303);
      expect(created.headers.location).toBe('/articles/marked#continue-reading');
      const whole = await agent.get('/articles/marked').expect(200);
      expect(whole.headers['x-access-decision']).toBe('metered');
      expect(whole.text).toContain(marker(6));
      expect(whole.text).toContain('<span id="continue-reading"></span>');
      const account = await t.deps.auth.accountsRepository.findByEmail(email);
      const consents = await t.deps.consent.service.consentsOf(account!.id);
      expect(consents.map((c) => [c.document, c.method, c.wording]).sort()).toEqual([
        ['privacy', 'signup-email', consentWording],
        ['terms', 'signup-email', consentWording],
      ]);
    });

    it('when the email belongs to an account with a password, then the next step asks for it, with the email filled in, and signs in', async () => {
      const { email } = await signUp(t.app);
      const { agent, network, wall } = await atTheWall();
      const step = await continueWith(agent, network, wall.text, email);
      expect(step.status).toBe(200);
      expect(step.text).toContain('Welcome back');
      expect(step.text).toContain(`value="${email}"`);
      expect(step.text).toContain('autocomplete="current-password"');
      expect(step.text).toContain('name="returnTo" value="/articles/marked#continue-reading"');
      expect(mailsTo(dataDir(), email).filter((m) => /sign-in link/.test(m))).toEqual([]);
      const signedIn = await agent
        .post('/signin')
        .set('X-Forwarded-For', network)
        .type('form')
        .send({ _csrf: csrfTokenIn(step.text), email, password: goodPassword, returnTo: '/articles/marked#continue-reading' })
        .expect(303);
      expect(signedIn.headers.location).toBe('/articles/marked#continue-reading');
      expect((await agent.get('/api/me').expect(200)).body).toMatchObject({ signedIn: true, email });
    });

    it('when the email is not an address, then the panel comes back with the error announced and named at the field', async () => {
      const { agent, network, wall } = await atTheWall();
      const bad = await continueWith(agent, network, wall.text, 'not-an-address');
      expect(bad.status).toBe(400);
      expect(bad.text).toMatch(/<div class="alert error-summary" role="alert" tabindex="-1" autofocus>/);
      expect(bad.text).toContain('aria-invalid="true"');
      expect(bad.text).toContain('value="not-an-address"');
      expect(bad.text).toContain('name="returnTo" value="/articles/marked#continue-reading"');
    });

    it('when the form comes without its CSRF token, or with another reader\'s, then it is refused', async () => {
      const one = await atTheWall();
      const other = await atTheWall();
      await one.agent.post('/signin/continue').set('X-Forwarded-For', one.network).type('form').send({ email: newEmail(), returnTo: '/' }).expect(403);
      // Anonymous pages are kept rendered: each reader must still get a token of their own.
      expect(csrfTokenIn(one.wall.text)).not.toBe(csrfTokenIn(other.wall.text));
      await continueWith(one.agent, one.network, other.wall.text, newEmail()).expect(403);
    });

    it('when returnTo points off the site, then the reader is brought to the front page instead', async () => {
      const { agent, network, wall } = await atTheWall();
      const email = newEmail();
      await continueWith(agent, network, wall.text, email, 'https://evil.example/').expect(200);
      const { path } = await signinLinkTo(dataDir(), email);
      const confirm = await agent.get(path).expect(200);
      const fields: Record<string, string> = { _csrf: csrfTokenIn(confirm.text) };
      for (const [, name, value] of confirm.text.matchAll(/name="(termsVersion|privacyVersion)" value="([^"]*)"/g)) fields[name!] = value!;
      expect((await agent.post(path).type('form').send(fields).expect(303)).headers.location).toBe('/');
    });

    it('when one network sweeps emails through the step, then past the bound it gets 429 with Retry-After', async () => {
      // An account with a password: each answer is the password step, so no link limit interferes.
      const { email } = await signUp(t.app);
      const { agent, network, wall } = await atTheWall();
      const token = csrfTokenIn(wall.text);
      const answers = await Promise.all(
        Array.from({ length: 32 }, () => agent.post('/signin/continue').set('X-Forwarded-For', network).type('form').send({ _csrf: token, email, returnTo: '/' })),
      );
      const statuses = answers.map((a) => a.status);
      expect(statuses.filter((s) => s === 429).length).toBe(2);
      expect(answers.find((a) => a.status === 429)!.headers['retry-after']).toMatch(/^\d+$/);
    });

    it('when an anonymous reader meets the paywall of a premium article, then the plans come first and the same panel is under them', async () => {
      const { wall } = await atTheWall('premium-one');
      expect(wall.headers['x-access-decision']).toBe('paywall');
      expect(wall.text).toContain('Subscribe to keep reading');
      expect(wall.text).toContain('Already a subscriber? Sign in or Create a free account');
      expect(wall.text).toContain('action="/signin/continue"');
    });

    it('when a link preview fetches a walled article, then it gets the gate without a token and no cookie', async () => {
      const preview = await request(t.app).get('/articles/marked').set('User-Agent', 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)').set('X-Forwarded-For', nextNetwork()).expect(200);
      expect(preview.headers['set-cookie']).toBeUndefined();
      expect(preview.text).toContain('name="_csrf" value=""');
    });

    it('when a signed-in reader opens /signin/continue, then they go straight back', async () => {
      const { agent } = await signUp(t.app);
      expect((await agent.get('/signin/continue?returnTo=%2Farticles%2Fmarked').expect(303)).headers.location).toBe('/articles/marked');
    });
  });
}
