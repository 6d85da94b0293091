import request from 'supertest';
import { describeMode, modes, startTestApp, type TestApp } from '../support/test-app';

// Every GET route of the app, with made-up parameters. A GET without the session cookie runs
// without express-session and passport (they are skipped for anonymous readers), so each
// must answer without reading a session that is not there.
const token = 'A'.repeat(43);
const routes = [
  '/', '/sections/news', '/sections/nowhere', '/articles/harbour-bridge-reopens', '/articles/nowhere',
  '/api/access/harbour-bridge-reopens', '/api/me', '/sitemap.xml', '/news-sitemap.xml', '/terms', '/privacy', '/terms?version=1',
  '/signin', '/signin?reauth=1', '/signup', '/signin/email', `/signin/email/${token}`, '/signin/email/password-removed',
  '/password/forgot', `/password/reset/${token}`, `/account/verify/${token}`,
  '/account', '/account/data.json', '/account/delete', '/subscribe', '/subscribe?priceId=price_x', '/subscribe/success?session_id=cs_x',
  '/admin', '/admin/api/meter', '/admin/api/plans', '/admin/api/policies', '/admin/api/funnel', '/admin/api/consents.csv', '/admin/api/nothing',
  '/healthz', '/readyz', '/metrics', '/static/site.css', '/no-such-page',
];

for (const mode of modes) {
  describeMode(mode)(`every GET without cookies answers without a 5xx (${mode})`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(mode);
    });
    afterAll(() => t.close());

    it.each(routes)('when %s is opened without any cookie, then the answer is not a 5xx', async (path) => {
      for (const method of ['get', 'head'] as const) {
        const response = await request(t.app)[method](path);
        expect([method, path, response.status < 500]).toEqual([method, path, true]);
      }
    });
  });
}
