import request from 'supertest';
import type { SessionData } from 'express-session';
import { describeMode, modes, startTestApp, type TestApp } from '../support/test-app';
import { csrfTokenIn, signUp } from '../support/http';

const article = '/articles/harbour-bridge-reopens';
const setCookies = (response: request.Response) => ([] as string[]).concat(response.headers['set-cookie'] ?? []);

/** The session id a `gatehouse.sid` cookie names (the part express-session signs). */
function sessionIdOf(cookie: string): string {
  const value = decodeURIComponent(/gatehouse\.sid=([^;]+)/.exec(cookie)![1]!);
  return value.slice(2, value.lastIndexOf('.'));
}

for (const mode of modes) {
  describeMode(mode)(`article views on a lane of their own, reading the session only (${mode})`, () => {
    let t: TestApp;
    let queries: string[] = [];
    beforeAll(async () => {
      t = await startTestApp(mode, { databaseLog: (event) => void (event.level === 'query' && queries.push(event.query.sql)) });
    });
    afterAll(() => t.close());

    const stored = (sid: string) => new Promise<SessionData | null | undefined>((resolve, reject) => t.deps.sessionStore.get(sid, (error, data) => (error ? reject(error) : resolve(data))));
    const store = (sid: string, data: SessionData) => new Promise<void>((resolve, reject) => t.deps.sessionStore.set(sid, data, (error) => (error ? reject(error) : resolve())));

    async function signedIn() {
      const { agent, response } = await signUp(t.app);
      const cookie = setCookies(response).find((c) => c.startsWith('gatehouse.sid='))!.split(';')[0]!;
      // The first view keeps the reader's CSRF token and accepted versions in the session.
      await agent.get(article).expect(200);
      return { agent, cookie, sid: sessionIdOf(cookie) };
    }

    it('when a signed-in reader opens articles, then no view writes or touches the session or sends a session cookie', async () => {
      const { agent, sid } = await signedIn();
      const before = await stored(sid);
      queries = [];
      for (const path of [article, '/articles/tram-line-consultation', article]) {
        const view = await agent.get(path).expect(200);
        expect(view.headers['x-access-decision']).toBe('metered');
        expect(setCookies(view).filter((c) => c.startsWith('gatehouse.sid='))).toEqual([]);
        // Signed in: the page has the sign-out form, with the token kept in the session.
        expect(csrfTokenIn(view.text)).toBe(before!.csrfToken);
      }
      // Embedded mode keeps sessions in SQL: before this lane every view also touched its row.
      // In production mode (sessions and meters in Redis) a view runs no SQL at all.
      expect(queries.filter((sql) => mode === 'production' || /^(update|insert into|delete from) "sessions"/i.test(sql))).toEqual([]);
      expect(await stored(sid)).toEqual(before);
    });

    it('when a signed-in session has no CSRF token kept yet, then the view keeps one, as the full session middleware would', async () => {
      const { agent, sid } = await signedIn();
      const { csrfToken: _dropped, ...rest } = (await stored(sid))!;
      await store(sid, rest as SessionData);
      const view = await agent.get(article).expect(200);
      const token = csrfTokenIn(view.text);
      expect((await stored(sid))!.csrfToken).toBe(token);
      // The token works: signing out with it is accepted.
      await agent.post('/signout').type('form').send({ _csrf: token }).expect(303);
    });

    it('when the session cookie is tampered with or its session has ended, then the view is an anonymous reader\'s', async () => {
      const { agent, cookie } = await signedIn();
      const tampered = cookie.replace(/.(;|$)/, (last) => (last[0] === 'A' ? 'B' : 'A'));
      const forged = await request(t.app).get(article).set('Cookie', tampered).expect(200);
      expect(forged.text).not.toContain('action="/signout"');
      const account = await agent.get('/account').expect(200);
      await agent.post('/signout').type('form').send({ _csrf: csrfTokenIn(account.text) }).expect(303);
      const ended = await request(t.app).get(article).set('Cookie', cookie).expect(200);
      expect(ended.headers['x-access-decision']).toBe('metered');
      expect(ended.text).not.toContain('action="/signout"');
    });

    it('when an article is viewed, then it carries the same security headers as every other page, a request id and its route in the metrics', async () => {
      const view = await request(t.app).get(article).set('X-Request-Id', 'lane-check-1').expect(200);
      const other = await request(t.app).get('/signin').expect(200);
      const security = ['content-security-policy', 'strict-transport-security', 'referrer-policy', 'x-content-type-options', 'x-frame-options', 'cross-origin-opener-policy', 'cross-origin-resource-policy', 'origin-agent-cluster', 'x-dns-prefetch-control', 'x-download-options', 'x-permitted-cross-domain-policies', 'x-xss-protection'];
      for (const name of security) expect([name, view.headers[name]]).toEqual([name, other.headers[name]]);
      expect(view.headers['content-security-policy']).toContain("script-src 'self'");
      expect(view.headers['x-request-id']).toBe('lane-check-1');
      expect(view.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(Number(view.headers['content-length'])).toBe(Buffer.byteLength(view.text));
      const metrics = await request(t.app).get('/metrics').expect(200);
      expect(metrics.text).toMatch(/gatehouse_http_request_duration_seconds_count\{method="GET",route="\/articles\/:slug",status="200"\} [1-9]/);
      // Other methods are not views: the full chain answers them (a 403 for a POST without a token).
      await request(t.app).post(article).type('form').send({}).expect(403);
      const options = await request(t.app).options(article).expect(200);
      expect(options.headers.allow).toBe('GET, HEAD');
    });

    it('when an article address is unknown, badly encoded or not an article\'s at all, then its 4xx page has every header, and a signed-in reader is still signed in there', async () => {
      const { cookie } = await signedIn();
      for (const [path, status] of [['/articles/no-such-article', 404], ['/articles/%E0', 400], ['/articles/%', 400], ['/articles/a/b', 404]] as const) {
        for (const who of [undefined, cookie]) {
          const page = await (who ? request(t.app).get(path).set('Cookie', who) : request(t.app).get(path)).expect(status);
          expect([path, page.headers['content-security-policy']]).toEqual([path, expect.stringContaining("default-src 'self'")]);
          expect(page.headers['x-frame-options']).toBe('SAMEORIGIN');
          if (who) {
            expect([path, page.headers['cache-control']]).toEqual([path, 'private, no-store']);
            expect(page.text).toContain('action="/signout"');
          }
        }
      }
    });

    it('when a session the lane cannot serve asks for an /articles/ path that is no article, then it is read and saved once, with one session cookie', async () => {
      const { agent, sid } = await signedIn();
      const { csrfToken: _dropped, ...rest } = (await stored(sid))!;
      await store(sid, rest as SessionData);
      queries = [];
      const page = await agent.get('/articles/a/b').expect(404);
      expect(setCookies(page).filter((c) => c.startsWith('gatehouse.sid='))).toHaveLength(1);
      expect(csrfTokenIn(page.text)).toBe((await stored(sid))!.csrfToken);
      if (mode === 'embedded') expect(queries.filter((sql) => /^insert into "sessions"/i.test(sql))).toHaveLength(1);
    });

    it('when a stored signed-in session holds an odd token or no accepted versions, then the view takes the full session path rather than failing', async () => {
      const { agent, sid } = await signedIn();
      const data = (await stored(sid))!;
      await store(sid, { ...data, csrfToken: 5, consents: null } as unknown as SessionData);
      const view = await agent.get(article).expect(200);
      expect(typeof (await stored(sid))!.csrfToken).toBe('string');
      expect(csrfTokenIn(view.text)).toBe((await stored(sid))!.csrfToken);
    });
  });
}
