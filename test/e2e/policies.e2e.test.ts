import request from 'supertest';
import { describeMode, modes, startTestApp, type TestApp } from '../support/test-app';
import { csrfTokenIn, signUp } from '../support/http';


for (const mode of modes) {
  describeMode(mode)(`policy versions and re-acceptance (${mode})`, () => {
    let t: TestApp;
    let key: string;
    beforeAll(async () => {
      t = await startTestApp(mode);
      key = (await t.deps.admin.apiKeys.create('tests')).key;
    });
    afterAll(() => t.close());
    const publish = (body: Record<string, unknown>) => request(t.app).post('/admin/api/policies').set('Authorization', `Bearer ${key}`).send(body);

    it('when a new version takes effect, then a signed-in reader accepts it before reading on, and it is recorded', async () => {
      const { agent } = await signUp(t.app);
      const anonymous = request.agent(t.app);
      await agent.get('/articles/market-hall-restoration').expect(200).expect('x-access-decision', 'metered');
      const future = new Date(Date.now() + 86_400_000).toISOString();
      await publish({ document: 'privacy', version: '3-future', body: 'Not yet.', effectiveAt: future }).expect(201);
      expect((await agent.get('/articles/market-hall-restoration')).headers['x-access-decision']).toBe('metered');

      const published = await publish({ document: 'terms', version: '2', body: 'Version two of the terms: ZEPHYRTERMS.' }).expect(201);
      expect(published.body).toMatchObject({ document: 'terms', version: '2', effectiveAt: expect.any(String) });
      const interstitial = await agent.get('/articles/market-hall-restoration').expect(200);
      expect(interstitial.text).toContain('ZEPHYRTERMS');
      expect(interstitial.text).toContain('Accept and continue');
      expect(interstitial.headers['x-access-decision']).toBeUndefined();
      expect(interstitial.text).not.toContain('glaziers');
      // Their account and the documents stay reachable; anonymous readers are not asked.
      await agent.get('/account').expect(200);
      await agent.get('/terms').expect(200);
      expect((await anonymous.get('/articles/market-hall-restoration')).headers['x-access-decision']).toBe('metered');

      const accept = await agent.post('/policies/accept').type('form').send({ terms: '2', returnTo: '/articles/market-hall-restoration', _csrf: csrfTokenIn(interstitial.text) });
      expect(accept.status).toBe(303);
      expect(accept.headers.location).toBe('/articles/market-hall-restoration');
      expect((await agent.get('/articles/market-hall-restoration')).headers['x-access-decision']).toBe('metered');
      const data = await agent.get('/account/data.json');
      expect(data.body.consents.at(-1)).toMatchObject({ document: 'terms', version: '2', method: 'reaccept', wording: expect.stringContaining('Accept and continue') });
    });

    it('when another version appears while the page was open, then the reader is shown it instead of accepting unseen text', async () => {
      const { agent } = await signUp(t.app);
      await publish({ document: 'privacy', version: '2', body: 'Privacy two.' }).expect(201);
      const page = await agent.get('/').expect(200);
      expect(page.text).toContain('Privacy two.');
      await publish({ document: 'privacy', version: '2b', body: 'Privacy two b.' }).expect(201);
      const stale = await agent.post('/policies/accept').type('form').send({ privacy: '2', returnTo: '/', _csrf: csrfTokenIn(page.text) });
      expect(stale.status).toBe(409);
      expect(stale.text).toContain('Privacy two b.');
      const privacy = (await agent.get('/account/data.json')).body.consents.filter((c: { document: string }) => c.document === 'privacy');
      expect(privacy.map((c: { version: string; method: string }) => `${c.version}/${c.method}`)).toEqual(['1/signup']);
    });

    it('when versions are published, then the pages show the current one and earlier ones stay viewable', async () => {
      expect((await request(t.app).get('/terms')).text).toContain('Version 2');
      expect((await request(t.app).get('/terms?version=1')).text).toContain('Version 1');
      const list = await request(t.app).get('/admin/api/policies').set('Authorization', `Bearer ${key}`).expect(200);
      expect(list.body.map((p: { document: string; version: string }) => `${p.document}@${p.version}`)).toEqual(expect.arrayContaining(['terms@1', 'terms@2', 'privacy@1']));
    });

    it('when a policy is malformed or already exists, then 400 naming fields or 409, and nothing changes', async () => {
      const bad = await publish({ document: 'cookies', version: 'two words', body: '', effectiveAt: 'soon' }).expect(400);
      expect(Object.keys(bad.body.fields).sort()).toEqual(['body', 'document', 'effectiveAt', 'version']);
      await publish({ document: 'terms', version: '2', body: 'Replacing history.' }).expect(409);
      expect((await request(t.app).get('/terms?version=2')).text).toContain('ZEPHYRTERMS');
      await request(t.app).post('/admin/api/policies').send({ document: 'terms', version: '9', body: 'x' }).expect(401);
    });

    it('when only one document changed, then the page names only it, and its record holds exactly the sentence shown for it', async () => {
      const { agent } = await signUp(t.app);
      await publish({ document: 'terms', version: '2-only', body: 'Terms alone changed.' }).expect(201);
      const page = await agent.get('/').expect(200);
      expect(page.text).toContain('Our Terms of Use has changed');
      expect(page.text).not.toContain('Privacy Policy and');
      const shown = [...page.text.matchAll(/<p class="consent">([^<]*)<\/p>/g)].map((m) => m[1]!.replace(/&quot;/g, '"'));
      expect(shown).toEqual(['We have updated our Terms of Use (version 2-only). By selecting "Accept and continue" you agree to this version.']);
      await agent.post('/policies/accept').type('form').send({ terms: '2-only', returnTo: '/', _csrf: csrfTokenIn(page.text) }).expect(303);
      const consents = (await agent.get('/account/data.json')).body.consents as { document: string; method: string; wording: string }[];
      const reaccepted = consents.filter((c) => c.method === 'reaccept');
      expect(reaccepted).toEqual([expect.objectContaining({ document: 'terms', wording: shown[0] })]);
    });

    it('when both documents changed, then each has its own sentence, recorded for that document', async () => {
      const { agent } = await signUp(t.app);
      await publish({ document: 'terms', version: '2-both', body: 'Terms again.' }).expect(201);
      await publish({ document: 'privacy', version: '2-both', body: 'Privacy again.' }).expect(201);
      const page = await agent.get('/').expect(200);
      expect(page.text).toContain('Our Terms of Use and Privacy Policy have changed');
      const shown = [...page.text.matchAll(/<p class="consent">([^<]*)<\/p>/g)].map((m) => m[1]!.replace(/&quot;/g, '"'));
      expect(shown).toHaveLength(2);
      await agent.post('/policies/accept').type('form').send({ terms: '2-both', privacy: '2-both', returnTo: '/', _csrf: csrfTokenIn(page.text) }).expect(303);
      const consents = (await agent.get('/account/data.json')).body.consents as { document: string; method: string; wording: string }[];
      const wordingOf = (document: string) => consents.find((c) => c.method === 'reaccept' && c.document === document)?.wording;
      expect(wordingOf('terms')).toBe(shown.find((w) => w.includes('Terms of Use')));
      expect(wordingOf('privacy')).toBe(shown.find((w) => w.includes('Privacy Policy')));
      expect(wordingOf('terms')).not.toContain('Privacy');
      expect(wordingOf('privacy')).not.toContain('Terms');
    });

    it('when a signed-in reader with a pending version sends HEAD for an article, then it is gated as GET is and no view is counted', async () => {
      const { agent } = await signUp(t.app);
      await publish({ document: 'terms', version: '2-head', body: 'Terms for HEAD.' }).expect(201);
      for (let i = 0; i < 3; i += 1) {
        const head = await agent.head('/articles/market-hall-restoration').expect(200);
        expect(head.headers['x-access-decision']).toBeUndefined();
        expect(head.headers['cache-control']).toBe('private, no-store');
      }
      expect((await agent.get('/api/me')).body.meter).toMatchObject({ used: 0 });
    });
  });
}

describe('publishing a policy version from the admin page', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('embedded');
  });
  afterAll(() => t.close());

  it('when an admin publishes through the form, then the version is listed and in force; bad input is named', async () => {
    const { agent, email } = await signUp(t.app);
    await t.deps.auth.accountsRepository.setAdmin(email, true);
    const page = await agent.get('/admin').expect(200);
    const token = csrfTokenIn(page.text);
    const bad = await agent.post('/admin/policies').type('form').send({ _csrf: token, document: 'terms', version: 'no spaces allowed', effectiveAt: '', body: '' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Version must be 1-64 letters');
    expect(bad.text).toContain('Text is required');
    const good = await agent.post('/admin/policies').type('form').send({ _csrf: token, document: 'privacy', version: '2026-12', effectiveAt: '', body: 'The December privacy policy.' });
    expect(good.status).toBe(303);
    expect((await request(t.app).get('/privacy')).text).toContain('The December privacy policy.');
    const duplicate = await agent.post('/admin/policies').type('form').send({ _csrf: token, document: 'privacy', version: '2026-12', effectiveAt: '', body: 'Again.' });
    expect(duplicate.status).toBe(409);
  });
});
