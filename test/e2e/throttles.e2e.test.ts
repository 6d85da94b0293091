import request from 'supertest';
import { describeMode, modes, startTestApp, type TestApp } from '../support/test-app';
import { csrfTokenIn, goodPassword, newEmail, signUp, submitForm, type Agent } from '../support/http';

/** Loads `count` sign-in forms first, then posts them all at once: a parallel burst. */
async function burstOfSignins(t: TestApp, count: number, fields: () => Record<string, string>, address: string) {
  const headers = { 'X-Forwarded-For': address };
  const forms = await Promise.all(
    Array.from({ length: count }, async () => {
      const agent = request.agent(t.app);
      const page = await agent.get('/signin').set(headers);
      return { agent, csrf: csrfTokenIn(page.text) };
    }),
  );
  return Promise.all(forms.map(({ agent, csrf }) => agent.post('/signin').set(headers).type('form').send({ ...fields(), _csrf: csrf })));
}

/** Posts one signed-in form `count` times at once with the session's CSRF token. */
async function burstOfRechecks(agent: Agent, count: number, action: string, fields: Record<string, string>, address: string) {
  const page = await agent.get('/account').set('X-Forwarded-For', address).expect(200);
  const csrf = csrfTokenIn(page.text);
  return Promise.all(Array.from({ length: count }, () => agent.post(action).set('X-Forwarded-For', address).type('form').send({ ...fields, _csrf: csrf })));
}

const statusCounts = (responses: { status: number }[]) => responses.reduce<Record<number, number>>((counts, r) => ({ ...counts, [r.status]: (counts[r.status] ?? 0) + 1 }), {});

for (const mode of modes) {
  describeMode(mode)(`password checks are throttled atomically (${mode})`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(mode);
    });
    afterAll(() => t.close());

    it('when 20 wrong passwords for one email arrive at once, then at most 5 are checked and the rest get 429 with Retry-After', async () => {
      const { email } = await signUp(t.app);
      const responses = await burstOfSignins(t, 20, () => ({ email, password: 'not the password' }), '203.0.113.20');
      expect(statusCounts(responses)).toEqual({ 401: 5, 429: 15 });
      for (const refused of responses.filter((r) => r.status === 429)) expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    });

    it('when a burst of wrong password re-checks arrives on /account/password, then at most 5 are checked and the rest get 429', async () => {
      const { agent } = await signUp(t.app);
      const responses = await burstOfRechecks(agent, 20, '/account/password', { currentPassword: 'not the password', newPassword: 'harbour lights anew' }, '203.0.113.21');
      expect(statusCounts(responses)).toEqual({ 400: 5, 429: 15 });
      for (const refused of responses.filter((r) => r.status === 429)) expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    });

    it('when wrong passwords are tried on /account/delete, /account/email and /account/password, then they share one count and the 6th is 429', async () => {
      const { agent, email } = await signUp(t.app);
      const address = '203.0.113.22';
      const page = await agent.get('/account').set('X-Forwarded-For', address);
      const post = (action: string, fields: Record<string, string>) => agent.post(action).set('X-Forwarded-For', address).type('form').send({ ...fields, _csrf: csrfTokenIn(page.text) });
      const statuses: number[] = [];
      for (let i = 0; i < 3; i += 1) {
        statuses.push((await post('/account/delete', { password: `wrong ${i}` })).status);
        statuses.push((await post('/account/email', { newEmail: newEmail(), password: `wrong ${i}` })).status);
      }
      statuses.push((await post('/account/password', { currentPassword: 'wrong again', newPassword: 'harbour lights anew' })).status);
      expect(statuses).toEqual([400, 400, 400, 400, 400, 429, 429]);
      // The account is still there; re-checks count apart from sign-in, keyed by the account.
      expect(await t.deps.auth.accountsRepository.findByEmail(email)).toBeDefined();
      expect((await submitForm(request.agent(t.app), '/signin', '/signin', { email, password: goodPassword }, { 'X-Forwarded-For': address })).status).toBe(303);
    });

    it('when 25 wrong sign-ins for the email came from 5 other addresses, then the owner\'s signed-in re-check with the right password still succeeds, and a burst of wrong ones still gets at most 5', async () => {
      const { agent, email } = await signUp(t.app);
      for (let network = 0; network < 5; network += 1) {
        await burstOfSignins(t, 5, () => ({ email, password: 'not the password' }), `198.19.${network}.1`);
      }
      // Sign-in for the email is refused everywhere now (its per-email bound).
      expect((await submitForm(request.agent(t.app), '/signin', '/signin', { email, password: goodPassword }, { 'X-Forwarded-For': '198.19.9.1' })).status).toBe(429);
      const page = await agent.get('/account').set('X-Forwarded-For', '198.19.10.1').expect(200);
      const changed = await agent.post('/account/password').set('X-Forwarded-For', '198.19.10.1').type('form').send({ currentPassword: goodPassword, newPassword: 'harbour lights anew', _csrf: csrfTokenIn(page.text) });
      expect(changed.status).toBe(303);
      const responses = await burstOfRechecks(agent, 20, '/account/delete', { password: 'not the password' }, '198.19.10.1');
      expect(statusCounts(responses)).toEqual({ 400: 5, 429: 15 });
    });

    it('when a burst of wrong passwords for deletion arrives, then at most 5 are checked and the account stays', async () => {
      const { agent, email } = await signUp(t.app);
      const responses = await burstOfRechecks(agent, 12, '/account/delete', { password: 'not the password' }, '203.0.113.23');
      expect(statusCounts(responses)).toEqual({ 400: 5, 429: 7 });
      expect(await t.deps.auth.accountsRepository.findByEmail(email)).toBeDefined();
    });

    it('when wrong passwords come from addresses across one IPv6 /64, then they count as one network', async () => {
      const { email } = await signUp(t.app);
      for (let i = 1; i <= 5; i += 1) {
        const wrong = await submitForm(request.agent(t.app), '/signin', '/signin', { email, password: 'not the password' }, { 'X-Forwarded-For': `2001:db8:5:6::${i.toString(16)}` });
        expect(wrong.status).toBe(401);
      }
      const rotated = await submitForm(request.agent(t.app), '/signin', '/signin', { email, password: goodPassword }, { 'X-Forwarded-For': '2001:db8:5:6:ffff:1:2:3' });
      expect(rotated.status).toBe(429);
      const elsewhere = await submitForm(request.agent(t.app), '/signin', '/signin', { email, password: goodPassword }, { 'X-Forwarded-For': '2001:db8:5:7::1' });
      expect(elsewhere.status).toBe(303);
    });

    it('when one email is guessed at from 20 networks, then the 21st network is refused too (the per-account bound)', async () => {
      const { email } = await signUp(t.app);
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, i) => submitForm(request.agent(t.app), '/signin', '/signin', { email, password: 'not the password' }, { 'X-Forwarded-For': `198.18.${i}.1` })),
      );
      expect(statusCounts(responses)).toEqual({ 401: 20 });
      const next = await submitForm(request.agent(t.app), '/signin', '/signin', { email, password: 'not the password' }, { 'X-Forwarded-For': '198.18.200.1' });
      expect(next.status).toBe(429);
      expect(next.text).toContain(`href="/signin/email?email=${encodeURIComponent(email)}&amp;returnTo=%2F"`);
    });

    it('when the right password follows wrong ones, then the count starts again for that email and network', async () => {
      const { email } = await signUp(t.app);
      const address = { 'X-Forwarded-For': '203.0.113.24' };
      for (let round = 0; round < 2; round += 1) {
        for (let i = 0; i < 4; i += 1) expect((await submitForm(request.agent(t.app), '/signin', '/signin', { email, password: 'wrong' }, address)).status).toBe(401);
        expect((await submitForm(request.agent(t.app), '/signin', '/signin', { email, password: goodPassword }, address)).status).toBe(303);
      }
    });
  });

  describeMode(mode)(`nobody else's failures keep the owner out (${mode})`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(mode);
    });
    afterAll(() => t.close());

    it('when one address fails 60 times with random emails, then the owner there is offered an emailed sign-in link, which no password failure blocks', async () => {
      const { email } = await signUp(t.app);
      const office = '192.0.2.60';
      for (let batch = 0; batch < 6; batch += 1) {
        await burstOfSignins(t, 10, () => ({ email: newEmail(), password: 'not the password' }), office);
      }
      const owner = await submitForm(request.agent(t.app), '/signin?returnTo=%2Farticles%2Fharbour-bridge-reopens', '/signin', { email, password: goodPassword, returnTo: '/articles/harbour-bridge-reopens' }, { 'X-Forwarded-For': office });
      // The per-network bound holds (it is what stops one address trying every email); the
      // way past it is the emailed link, offered first on the throttled page.
      expect(owner.status).toBe(429);
      expect(Number(owner.headers['retry-after'])).toBeGreaterThan(0);
      expect(owner.text).toContain(`<a class="button" href="/signin/email?email=${encodeURIComponent(email)}&amp;returnTo=%2Farticles%2Fharbour-bridge-reopens">Email me a sign-in link</a>`);
    });

    it('when the sign-in page loads, then it offers an emailed sign-in link with returnTo', async () => {
      const page = await request(t.app).get('/signin?returnTo=%2Faccount').expect(200);
      expect(page.text).toContain('href="/signin/email?returnTo=%2Faccount">Email me a sign-in link</a>');
    });
  });

  describeMode(mode)(`sign-ups are throttled (${mode})`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(mode, { throttleLimits: { signupsPerAddress: 3, signupsPerMinute: 5 } });
    });
    afterAll(() => t.close());

    const signUpFrom = (address: string, email = newEmail()) =>
      submitForm(request.agent(t.app), '/signup', '/signup', { email, password: goodPassword }, { 'X-Forwarded-For': address });

    it('when one network signs up past its bound, then 429 with Retry-After and a readable page, while another network still signs up', async () => {
      for (let i = 0; i < 3; i += 1) expect((await signUpFrom('203.0.113.30')).status).toBe(303);
      const email = newEmail();
      const refused = await signUpFrom('203.0.113.30', email);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(refused.text).toContain('Too many accounts were created from here');
      expect(await t.deps.auth.accountsRepository.findByEmail(email)).toBeUndefined();
      expect((await signUpFrom('203.0.113.31')).status).toBe(303);
      // The refused one spent nothing; the site's bound (5 a minute here) is then reached from any network.
      expect((await signUpFrom('203.0.113.32')).status).toBe(303);
      expect((await signUpFrom('203.0.113.33')).status).toBe(429);
    });
  });

  describeMode(mode)(`a taken email at sign-up (${mode})`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(mode);
    });
    afterAll(() => t.close());

    it('when the email already has an account, then the answer offers signing in or an emailed sign-in link', async () => {
      const { email } = await signUp(t.app);
      const again = await submitForm(request.agent(t.app), '/signup?returnTo=%2Faccount', '/signup', { email, password: 'another harbour tide', returnTo: '/account' });
      expect(again.status).toBe(400);
      expect(again.text).toContain('An account with this email already exists: <a href="/signin?returnTo=%2Faccount">sign in</a>, or <a href="/signin/email?email=');
      expect(again.text).toContain(`href="/signin/email?email=${encodeURIComponent(email)}&amp;returnTo=%2Faccount">get an emailed sign-in link</a>`);
    });
  });
}

describeMode('production')('limiter keys in Redis (production)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('production');
  });
  afterAll(() => t.close());

  it('when a reader signs in wrongly, asks for a reset and signs up, then no Redis key holds their email or address', async () => {
    const { email } = await signUp(t.app);
    const address = { 'X-Forwarded-For': '203.0.113.77' };
    expect((await submitForm(request.agent(t.app), '/signin', '/signin', { email, password: 'not the password' }, address)).status).toBe(401);
    expect((await submitForm(request.agent(t.app), '/password/forgot', '/password/forgot', { email }, address)).status).toBe(200);
    expect((await submitForm(request.agent(t.app), '/signup', '/signup', { email: newEmail(), password: goodPassword }, address)).status).toBe(303);
    const keys = await t.deps.redis!.keys(`${t.deps.config.redisKeyPrefix}*`);
    // The limiters did write keys: the assertion below is about them.
    expect(keys.filter((k) => /signin:|forgot:/.test(k)).length).toBeGreaterThanOrEqual(5);
    const local = email.split('@')[0]!;
    for (const key of keys) {
      expect(key).not.toContain(local);
      expect(key).not.toContain('203.0.113.77');
    }
  });
});
