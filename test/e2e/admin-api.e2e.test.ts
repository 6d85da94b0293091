import request from 'supertest';
import { describeMode, modes, startTestApp, type TestApp } from '../support/test-app';
import { csrfTokenIn, signUp } from '../support/http';
import { defaultMeterSettings } from '../../src/meter/meter-settings';


const valid = {
  anonymousLimit: 5,
  registeredLimit: 12,
  period: { kind: 'rolling', days: 30 },
  teaserParagraphs: 3,
  onStoreFailure: 'closed',
  sections: { investigations: 'premium', puzzles: 'free' },
  newReadersPerNetwork: 20,
  crawlers: ['googlebot', 'bingbot'],
  gifts: { perMonth: 10, linkDays: 14, linkReaders: 100 },
};

for (const mode of modes) {
  describeMode(mode)(`admin meter API (${mode})`, () => {
    let t: TestApp;
    let key: string;
    beforeAll(async () => {
      t = await startTestApp(mode);
      key = (await t.deps.admin.apiKeys.create('tests')).key;
    });
    afterAll(() => t.close());

    async function adminAgent() {
      const { agent, email } = await signUp(t.app);
      await t.deps.auth.accountsRepository.setAdmin(email, true);
      return agent;
    }

    it('when no credentials are sent, then 401 JSON', async () => {
      const response = await request(t.app).get('/admin/api/meter').expect(401);
      expect(response.body.error).toContain('API key');
      expect(response.headers['www-authenticate']).toContain('Bearer');
      await request(t.app).put('/admin/api/meter').send(valid).expect(401);
    });

    it('when the API key is wrong or revoked, then 401', async () => {
      await request(t.app).get('/admin/api/meter').set('Authorization', 'Bearer gh_not-a-key').expect(401);
      await request(t.app).get('/admin/api/meter').set('Authorization', 'Basic abc').expect(401);
      const revoked = await t.deps.admin.apiKeys.create('old');
      await request(t.app).get('/admin/api/meter').set('Authorization', `Bearer ${revoked.key}`).expect(200);
      await t.deps.admin.apiKeys.revoke(revoked.id);
      await request(t.app).get('/admin/api/meter').set('Authorization', `Bearer ${revoked.key}`).expect(401);
    });

    it('when a signed-in reader is not an admin, then 403 for the API and the page', async () => {
      const { agent } = await signUp(t.app);
      await agent.get('/admin/api/meter').expect(403);
      await agent.get('/admin').expect(403);
    });

    it('when the API key is right, then GET answers the settings and PUT replaces them whole', async () => {
      const before = await request(t.app).get('/admin/api/meter').set('Authorization', `Bearer ${key}`).expect(200);
      expect(before.body).toEqual(defaultMeterSettings);
      const put = await request(t.app).put('/admin/api/meter').set('Authorization', `Bearer ${key}`).send(valid).expect(200);
      expect(put.body).toEqual(valid);
      expect((await request(t.app).get('/admin/api/meter').set('Authorization', `Bearer ${key}`)).body).toEqual(valid);
      await request(t.app).put('/admin/api/meter').set('Authorization', `Bearer ${key}`).send(defaultMeterSettings).expect(200);
    });

    it('when PUT has bad fields, then 400 naming each, and the stored settings stay', async () => {
      const response = await request(t.app)
        .put('/admin/api/meter')
        .set('Authorization', `Bearer ${key}`)
        .send({ ...valid, anonymousLimit: -2, period: { kind: 'calendar-month', timeZone: 'Nowhere/Land' }, onStoreFailure: 'sideways' })
        .expect(400);
      expect(Object.keys(response.body.fields).sort()).toEqual(['anonymousLimit', 'onStoreFailure', 'period.timeZone']);
      expect(response.body.error).toContain('anonymousLimit');
      const partial = await request(t.app).put('/admin/api/meter').set('Authorization', `Bearer ${key}`).send({ anonymousLimit: 4 }).expect(400);
      expect(Object.keys(partial.body.fields)).toEqual(expect.arrayContaining(['registeredLimit', 'period', 'teaserParagraphs', 'onStoreFailure', 'sections']));
      const broken = await request(t.app).put('/admin/api/meter').set('Authorization', `Bearer ${key}`).set('Content-Type', 'application/json').send('{"anonymousLimit":');
      expect(broken.status).toBe(400);
      expect((await request(t.app).get('/admin/api/meter').set('Authorization', `Bearer ${key}`)).body).toEqual(defaultMeterSettings);
    });

    it('when an admin uses a session, then reads work, and writes need the CSRF token', async () => {
      const agent = await adminAgent();
      await agent.get('/admin/api/meter').expect(200);
      await agent.put('/admin/api/meter').send(valid).expect(403);
      const page = await agent.get('/admin').expect(200);
      const token = csrfTokenIn(page.text);
      const put = await agent.put('/admin/api/meter').set('X-CSRF-Token', token).send(valid).expect(200);
      expect(put.body).toEqual(valid);
      await agent.put('/admin/api/meter').set('X-CSRF-Token', token).send(defaultMeterSettings).expect(200);
    });

    it('when the admin form is posted, then the settings are saved, and bad values are named on the page', async () => {
      const agent = await adminAgent();
      const page = await agent.get('/admin');
      const token = csrfTokenIn(page.text);
      const bad = await agent.post('/admin/meter').type('form').send({ _csrf: token, anonymousLimit: 'three', registeredLimit: '10', periodKind: 'calendar-month', timeZone: 'UTC', days: '30', teaserParagraphs: '2', onStoreFailure: 'open', sections: 'puzzles free' });
      expect(bad.status).toBe(400);
      expect(bad.text).toContain('Must be a whole number');
      expect(bad.text).toContain('cannot read the line');
      const good = await agent.post('/admin/meter').type('form').send({ _csrf: token, anonymousLimit: '4', registeredLimit: '9', periodKind: 'rolling', timeZone: 'UTC', days: '14', teaserParagraphs: '1', onStoreFailure: 'closed', newReadersPerNetwork: '25', sections: 'puzzles: free\ninvestigations: premium' });
      expect(good.status).toBe(303);
      expect((await request(t.app).get('/admin/api/meter').set('Authorization', `Bearer ${key}`)).body).toEqual({
        anonymousLimit: 4, registeredLimit: 9, period: { kind: 'rolling', days: 14 }, teaserParagraphs: 1, onStoreFailure: 'closed', sections: { puzzles: 'free', investigations: 'premium' },
        newReadersPerNetwork: 25, crawlers: ['googlebot', 'bingbot'], gifts: { perMonth: 10, linkDays: 14, linkReaders: 100 },
      });
      await request(t.app).put('/admin/api/meter').set('Authorization', `Bearer ${key}`).send(defaultMeterSettings).expect(200);
    });

    it('when an anonymous reader opens /admin, then they are sent to sign in', async () => {
      await request(t.app).get('/admin').expect(303).expect('location', '/signin?returnTo=%2Fadmin');
    });
  });
}

describe('admin access needs a recent sign-in', () => {
  let t: TestApp;
  let now = Date.now();
  beforeAll(async () => {
    t = await startTestApp('embedded', { clock: () => now });
  });
  afterAll(() => t.close());

  it('when an admin session is older than 12 hours, then pages ask to sign in again and the API answers 401, until they do', async () => {
    const { agent, email, password } = await signUp(t.app);
    await t.deps.auth.accountsRepository.setAdmin(email, true);
    const key = (await t.deps.admin.apiKeys.create('tests')).key;
    await agent.get('/admin').expect(200);
    await agent.get('/admin/api/meter').expect(200);

    now += 13 * 60 * 60 * 1000;
    await agent.get('/admin').expect(303).expect('location', '/signin?reauth=1&returnTo=%2Fadmin');
    const api = await agent.get('/admin/api/meter').expect(401);
    expect(api.body.error).toContain('within the last 12 hours');
    await request(t.app).get('/admin/api/meter').set('Authorization', `Bearer ${key}`).expect(200);
    // Reading articles is not affected.
    await agent.get('/articles/harbour-bridge-reopens').expect(200);

    const form = await agent.get('/signin?reauth=1&returnTo=%2Fadmin').expect(200);
    expect(form.text).toContain('sign in again');
    const again = await agent.post('/signin').type('form').send({ email, password, returnTo: '/admin', _csrf: csrfTokenIn(form.text) });
    expect(again.status).toBe(303);
    expect(again.headers.location).toBe('/admin');
    await agent.get('/admin').expect(200);
  });
});
