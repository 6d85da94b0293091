import request from 'supertest';
import { startTestApp, type TestApp } from '../support/test-app';
import { csrfTokenIn, signUp } from '../support/http';
import { headerSafe, hostileStrings } from '../support/hostile-strings';

type Agent = ReturnType<typeof request.agent>;

describe('hostile input', () => {
  let t: TestApp;
  let key: string;
  let signedIn: Agent;
  let token: string;
  const failures: string[] = [];

  beforeAll(async () => {
    t = await startTestApp('embedded', { env: { STRIPE_SECRET_KEY: 'sk_test_fuzz', STRIPE_WEBHOOK_SECRET: 'whsec_fuzz', STRIPE_API_URL: 'http://127.0.0.1:9' } });
    key = (await t.deps.admin.apiKeys.create('fuzz')).key;
    const reader = await signUp(t.app);
    signedIn = reader.agent;
    token = csrfTokenIn((await signedIn.get('/account')).text);
  });
  afterAll(() => t.close());

  function check(label: string, payload: string, response: request.Response) {
    if (response.status >= 500) failures.push(`${label} ${JSON.stringify(payload.slice(0, 60))} -> ${response.status}`);
    const body = typeof response.text === 'string' ? response.text : '';
    if (/[<>]/.test(payload) && payload.length < 5000 && body.includes(payload)) failures.push(`${label} reflected ${JSON.stringify(payload.slice(0, 60))}`);
  }

  it(`when ${hostileStrings.length} hostile strings go into every route, field, query, cookie and header, then never a 5xx nor an unescaped reflection, and the server stays up`, async () => {
    expect(hostileStrings.length).toBeGreaterThanOrEqual(200);
    for (const payload of hostileStrings) {
      const segment = encodeURIComponent(payload);
      const query = encodeURIComponent(payload);
      const anonymous = request(t.app);
      for (const path of [`/articles/${segment}`, `/sections/${segment}`, `/api/access/${segment}`, `/password/reset/${segment}`]) {
        check(`GET ${path.split('/')[1]}`, payload, await anonymous.get(path));
      }
      for (const path of [`/terms?version=${query}`, `/signin?returnTo=${query}`, `/signup?returnTo=${query}&x=${query}`, `/subscribe?priceId=${query}&returnTo=${query}`, `/?q=${query}`]) {
        check(`GET ${path.split('?')[0]}`, payload, await anonymous.get(path));
      }
      check('GET success', payload, await signedIn.get(`/subscribe/success?session_id=${query}&returnTo=${query}`));
      check('GET csv', payload, await request(t.app).get(`/admin/api/consents.csv?document=${query}&from=${query}&to=${query}`).set('Authorization', `Bearer ${key}`));

      const fields = { email: payload, password: payload, returnTo: payload, priceId: payload, _csrf: token };
      for (const path of ['/signin', '/signup', '/password/forgot', '/subscribe', '/account/password', '/account/email', '/policies/accept']) {
        check(`POST ${path}`, payload, await signedIn.post(path).type('form').send(fields).set('X-Forwarded-For', `203.0.113.${payload.length % 250}`));
      }
      check('PUT meter', payload, await request(t.app).put('/admin/api/meter').set('Authorization', `Bearer ${key}`).send({ anonymousLimit: payload, period: { kind: payload, timeZone: payload }, sections: { [payload]: payload } }));
      check('PUT plans', payload, await request(t.app).put('/admin/api/plans').set('Authorization', `Bearer ${key}`).send([{ priceId: payload, name: payload }]));
      check('POST policies', payload, await request(t.app).post('/admin/api/policies').set('Authorization', `Bearer ${key}`).send({ document: payload, version: payload, body: payload, effectiveAt: payload }));
      check('POST webhook', payload, await request(t.app).post('/webhooks/stripe').set('Stripe-Signature', headerSafe(payload)).set('Content-Type', 'application/json').send(payload));

      const header = headerSafe(payload);
      const cookie = `gatehouse.sid=${segment}; gatehouse.reader=${segment}; other=${segment}`;
      check('GET headers', payload, await request(t.app).get('/articles/harbour-bridge-reopens').set('Cookie', cookie).set('X-Forwarded-For', header).set('X-Request-Id', header).set('Accept-Language', header).set('User-Agent', header));
      check('GET host', payload, await request(t.app).get('/').set('Host', header));
      check('GET auth', payload, await request(t.app).get('/admin/api/meter').set('Authorization', header));
    }
    // Bodies of a megabyte, and bodies that are not what they claim to be.
    const huge = 'x'.repeat(1024 * 1024);
    check('POST 1MB form', 'huge', await request(t.app).post('/signup').type('form').send({ email: huge, password: huge }));
    check('PUT 1MB json', 'huge', await request(t.app).put('/admin/api/meter').set('Authorization', `Bearer ${key}`).set('Content-Type', 'application/json').send(JSON.stringify({ a: huge })));
    check('POST 1MB webhook', 'huge', await request(t.app).post('/webhooks/stripe').set('Stripe-Signature', 't=1,v1=x').set('Content-Type', 'application/json').send(huge + huge));
    check('POST bad UTF-8', 'bytes', await request(t.app).post('/signin').set('Content-Type', 'application/x-www-form-urlencoded').send(Buffer.from([0x65, 0x6d, 0x61, 0x69, 0x6c, 0x3d, 0xff, 0xfe, 0xc3, 0x28])));
    check('PUT bad JSON', 'bytes', await request(t.app).put('/admin/api/meter').set('Authorization', `Bearer ${key}`).set('Content-Type', 'application/json').send(Buffer.from([0x7b, 0xff, 0x22])));
    check('GET raw %FF', 'raw', await request(t.app).get('/articles/%FF%FE'));
    expect(failures).toEqual([]);
    await request(t.app).get('/healthz').expect(200);
    await signedIn.get('/account').expect(200);
  }, 300_000);
});
