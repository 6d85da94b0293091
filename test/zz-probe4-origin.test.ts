import request from 'supertest';
import { signUp, csrfTokenIn } from './support/http';
import { startStaticOrigin, type StaticOrigin } from './support/static-origin';
import { startTestApp, type TestApp } from './support/test-app';

jest.setTimeout(120_000);
describe('probe: origin crafted paths', () => {
  let origin: StaticOrigin;
  let t: TestApp;
  beforeAll(async () => {
    origin = await startStaticOrigin();
    t = await startTestApp('embedded', { env: { ORIGIN_URL: origin.url, ORIGIN_SECRET: 'the-origin-secret', ORIGIN_TIMEOUT_MS: '1500' } });
  });
  afterAll(async () => { await t?.close(); await origin?.close(); });

  it('crafted gift/group paths never reach Gatehouse routes, and the CMS never gets the session cookie', async () => {
    const { agent } = await signUp(t.app);
    const token = csrfTokenIn((await agent.get('/account')).text);
    const out: string[] = [];
    for (const p of ['/GIFTS', '/%67ifts', '//gifts', '/gifts.', '/gifts%2f', '/./gifts', '/gifts;x', '/Groups/join/abc', '/%2fgroups/join/abc', '/groups%2Fjoin%2Fabc', '/account%2fgifts/1/revoke']) {
      const before = origin.requests.length;
      const r = await agent.post(p).type('form').send({ _csrf: token, article: 'x' });
      const g = await agent.get(p);
      const reached = origin.requests.slice(before);
      out.push(`${p} post=${r.status} get=${g.status} origin=${reached.map((q) => `${q.method} ${q.url} cookie=${q.headers.cookie ?? '-'}`).join(' | ')}`);
      for (const q of reached) expect(q.headers.cookie ?? '').not.toContain('gatehouse');
    }
    console.log(out.join('\n'));
  });
});
