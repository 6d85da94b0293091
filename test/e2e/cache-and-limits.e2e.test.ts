import request from 'supertest';
import { describeMode, modes, startTestApp, type TestApp } from '../support/test-app';
import { csrfTokenIn, signUp } from '../support/http';

for (const mode of modes) {
  describeMode(mode)(`caching of personal pages, body limits and the admin API's 404 (${mode})`, () => {
    let t: TestApp;
    let key: string;

    beforeAll(async () => {
      t = await startTestApp(mode);
      key = (await t.deps.admin.apiKeys.create('tests')).key;
    });
    afterAll(() => t.close());

    it('when a signed-in reader opens any page or JSON answer, then it is private, no-store', async () => {
      const { agent } = await signUp(t.app);
      for (const path of ['/', '/sections/news', '/account', '/account/data.json', '/api/me', '/articles/harbour-bridge-reopens', '/terms', '/no-such-page']) {
        const response = await agent.get(path);
        expect([path, response.headers['cache-control']]).toEqual([path, 'private, no-store']);
      }
    });

    it('when an admin opens the console, then it is private, no-store', async () => {
      const { agent, email } = await signUp(t.app);
      await t.deps.auth.accountsRepository.setAdmin(email, true);
      const admin = await agent.get('/admin').expect(200);
      expect(admin.headers['cache-control']).toBe('private, no-store');
    });

    it('when anyone opens a form page, then it is private, no-store; static files stay cacheable', async () => {
      for (const path of ['/signin', '/signup', '/password/forgot']) {
        const response = await request(t.app).get(path).expect(200);
        expect([path, response.headers['cache-control']]).toEqual([path, 'private, no-store']);
      }
      // Routing ignores case, and so must the rule.
      for (const path of ['/SIGNIN', '/Signup', '/PASSWORD/forgot']) {
        const response = await request(t.app).get(path).expect(200);
        expect([path, response.headers['cache-control']]).toEqual([path, 'private, no-store']);
      }
      const css = await request(t.app).get('/static/site.css').expect(200);
      expect(css.headers['cache-control']).not.toContain('no-store');
    });

    it('when a policy version of 200,000 characters is published through the API or the admin form, then it is taken', async () => {
      const body = `# Terms\n\n${'Every word of this matters. '.repeat(7_400)}`.slice(0, 200_000);
      expect(body.length).toBe(200_000);
      const api = await request(t.app).post('/admin/api/policies').set('Authorization', `Bearer ${key}`).send({ document: 'terms', version: 'long-api', body, effectiveAt: '2099-01-01T00:00:00Z' });
      expect(api.status).toBe(201);
      const { agent, email } = await signUp(t.app);
      await t.deps.auth.accountsRepository.setAdmin(email, true);
      const page = await agent.get('/admin').expect(200);
      const form = await agent.post('/admin/policies').type('form').send({ document: 'privacy', version: 'long-form', body, effectiveAt: '2099-01-01T00:00:00Z', _csrf: csrfTokenIn(page.text) });
      expect(form.status).toBe(303);
      const stored = (await request(t.app).get('/admin/api/policies').set('Authorization', `Bearer ${key}`)).body as { version: string; body: string }[];
      expect(stored.find((p) => p.version === 'long-api')?.body).toBe(body);
      expect(stored.find((p) => p.version === 'long-form')?.body).toBe(body);
      // Other routes keep their small limits.
      const big = await request(t.app).put('/admin/api/meter').set('Authorization', `Bearer ${key}`).send({ padding: 'x'.repeat(100_000) });
      expect(big.status).toBe(413);
    });

    it('when an unknown admin API route is called with a valid key, then a JSON 404, not a sign-in redirect', async () => {
      const response = await request(t.app).get('/admin/api/nothing-here').set('Authorization', `Bearer ${key}`);
      expect(response.status).toBe(404);
      expect(response.headers['content-type']).toMatch(/json/);
      expect(response.body.error).toMatch(/no admin API route/);
      const anonymous = await request(t.app).get('/admin/api/nothing-here');
      expect(anonymous.status).toBe(401);
    });
  });
}
