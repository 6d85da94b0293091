import request from 'supertest';
import { describeMode, modes, startTestApp, type TestApp } from '../support/test-app';
import { csrfTokenIn, goodPassword, newEmail } from '../support/http';

const setCookies = (response: request.Response) => ([] as string[]).concat(response.headers['set-cookie'] ?? []);
const pair = (cookie: string) => cookie.split(';')[0]!;

for (const mode of modes) {
  describeMode(mode)(`cookies over HTTPS carry the __Host- prefix (${mode})`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(mode, { env: { PUBLIC_URL: 'https://news.example' } });
    });
    afterAll(() => t.close());
    // A test client over plain HTTP does not send Secure cookies back: accounts are made directly.
    const account = async () => (await t.deps.auth.accounts.signUp({ email: newEmail(), password: goodPassword })).email;

    it('when Gatehouse sets a reader, CSRF or session cookie over HTTPS, then it is __Host- prefixed, Secure, Path=/ and host-only', async () => {
      const view = await request(t.app).get('/articles/harbour-bridge-reopens').expect(200);
      const reader = setCookies(view).find((c) => c.startsWith('__Host-gatehouse.reader='));
      expect(reader).toMatch(/; Path=\/;.*HttpOnly; Secure; SameSite=Lax/);
      expect(reader).not.toMatch(/Domain=/i);
      const form = await request(t.app).get('/signin').expect(200);
      const csrf = setCookies(form).find((c) => c.startsWith('__Host-gatehouse.csrf='));
      expect(csrf).toMatch(/Secure/);
      const email = await account();
      const signedIn = await request(t.app).post('/signin').set('X-Forwarded-Proto', 'https').set('Cookie', pair(csrf!)).type('form').send({ email, password: goodPassword, _csrf: csrfTokenIn(form.text) });
      expect(signedIn.status).toBe(303);
      const session = setCookies(signedIn).find((c) => /^__Host-gatehouse\.sid=.*Secure/.test(c));
      expect(session).toBeDefined();
      // Signing out clears it with the same Secure and Path, or a browser would keep it.
      const accountPage = await request(t.app).get('/account').set('X-Forwarded-Proto', 'https').set('Cookie', pair(session!)).expect(200);
      const signedOut = await request(t.app).post('/signout').set('X-Forwarded-Proto', 'https').set('Cookie', pair(session!)).type('form').send({ _csrf: csrfTokenIn(accountPage.text) });
      expect(signedOut.status).toBe(303);
      expect(setCookies(signedOut).find((c) => c.startsWith('__Host-gatehouse.sid=;'))).toMatch(/Path=\/;.*Secure/);
    });

    it('when a sibling subdomain plants unprefixed cookies, then they are ignored', async () => {
      const first = await request(t.app).get('/articles/harbour-bridge-reopens').expect(200);
      const planted = pair(setCookies(first).find((c) => c.startsWith('__Host-gatehouse.reader='))!).replace('__Host-gatehouse.reader=', 'gatehouse.reader=');
      const again = await request(t.app).get('/articles/tram-line-consultation').set('Cookie', planted).expect(200);
      // The planted id is not this reader's: a new one is issued under the prefixed name.
      expect(setCookies(again).some((c) => c.startsWith('__Host-gatehouse.reader='))).toBe(true);
      const form = await request(t.app).get('/signin').expect(200);
      const token = csrfTokenIn(form.text);
      const plantedCsrf = pair(setCookies(form).find((c) => c.startsWith('__Host-gatehouse.csrf='))!).replace('__Host-', '');
      const email = await account();
      await request(t.app).post('/signin').set('Cookie', plantedCsrf).type('form').send({ email, password: goodPassword, _csrf: token }).expect(403);
    });
  });
}
