import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { sql } from 'kysely';
import { describeMode, modes, startTestApp, type TestApp } from '../support/test-app';
import { csrfTokenIn, goodPassword, newEmail, signUp, submitForm, type Agent } from '../support/http';
import { signinLinkTo } from '../support/email-links';
import { newUser, startOidcHarness, type OidcHarness } from '../support/oidc-provider/harness';
import { buildMessages } from '../../src/http/i18n';
import { newsletterWording, wordingVersion } from '../../src/consent/newsletter';

const messages = buildMessages('en');
/** The box's label as the English pages show it: the wording every opt-in records. */
const wording = newsletterWording(messages);
const stopWording = messages.t('newsletter.stop');

/** The box, present and not ticked. */
function expectUntickedBox(html: string, id = 'newsletter'): void {
  const box = new RegExp(`<input id="${id}" name="newsletter" type="checkbox" value="yes"( checked)?>`).exec(html);
  expect(box).not.toBeNull();
  expect(box![1]).toBeUndefined();
  expect(html).toContain(`<label for="${id}">${wording}</label>`);
}

/**
 * The message a refused operation gave. Not `rejects.toThrow`: better-sqlite3's errors can
 * come from another realm than the test's, which Jest then takes for no error at all.
 */
async function rejectionMessage(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return String((error as { message?: unknown }).message ?? error);
  }
  throw new Error('expected the operation to be refused');
}

let address = 0;
/** Each test asks from its own network, so the throttles of one do not reach another. */
const nextNetwork = () => `198.51.100.${(address += 1)}`;

/** Posts a confirm page's form as a browser would: its CSRF token, the versions it shows and, when ticked, the box. */
async function submitConfirm(agent: Agent, path: string, tick: boolean) {
  const page = await agent.get(path).expect(200);
  const fields: Record<string, string> = { _csrf: csrfTokenIn(page.text) };
  for (const [, name, value] of page.text.matchAll(/name="(termsVersion|privacyVersion)" value="([^"]*)"/g)) fields[name!] = value!;
  if (tick) fields.newsletter = 'yes';
  return { page, post: () => agent.post(path).type('form').send(fields) };
}

for (const mode of modes) {
  describeMode(mode)(`newsletter consent (${mode})`, () => {
    let t: TestApp;
    let key: string;
    beforeAll(async () => {
      t = await startTestApp(mode);
      key = (await t.deps.admin.apiKeys.create('tests')).key;
    });
    afterAll(() => t.close());

    const db = () => t.deps.database.db;
    const dataDir = () => t.deps.config.dataDir;
    const recordsOf = (email: string) =>
      db()
        .selectFrom('consents')
        .innerJoin('accounts', 'accounts.id', 'consents.account_id')
        .select(['consents.id', 'consents.policy_version', 'consents.wording', 'consents.method', 'consents.accepted_at', 'accounts.created_at'])
        .where('accounts.email', '=', email)
        .where('consents.document', '=', 'newsletter')
        .orderBy('consents.id')
        .execute();
    const csv = () => request(t.app).get('/admin/api/newsletter.csv').set('Authorization', `Bearer ${key}`);
    const passwordSignUp = (email: string, tick: boolean) =>
      submitForm(request.agent(t.app), '/signup', '/signup', { email, password: goodPassword, returnTo: '/', ...(tick ? { newsletter: 'yes' } : {}) }, { 'X-Forwarded-For': nextNetwork() });
    /** The gate's one step with an email nobody has: the panel's box ticked or not. */
    const gate = async (email: string, tick: boolean) => {
      const agent = request.agent(t.app);
      const network = nextNetwork();
      const page = await agent.get('/signin/continue').set('X-Forwarded-For', network).expect(200);
      expectUntickedBox(page.text, 'page-newsletter');
      const sent = await agent.post('/signin/continue').set('X-Forwarded-For', network).type('form').send({ email, returnTo: '/', _csrf: csrfTokenIn(page.text), ...(tick ? { newsletter: 'yes' } : {}) });
      expect(sent.status).toBe(200);
      expect(sent.text).toContain('Check your email');
      return { agent, network, checkPage: sent.text, link: await signinLinkTo(dataDir(), email) };
    };
    const choose = async (agent: Agent, subscribe: 'yes' | 'no') => {
      const page = await agent.get('/account').expect(200);
      return agent.post('/account/newsletter').type('form').send({ _csrf: csrfTokenIn(page.text), subscribe });
    };

    it('when a reader signs up with a password, then the box is offered unticked, and only a ticked box records a newsletter consent (signup, the label word for word, with the account)', async () => {
      expectUntickedBox((await request(t.app).get('/signup').expect(200)).text);
      const without = newEmail();
      expect((await passwordSignUp(without, false)).status).toBe(303);
      expect(await recordsOf(without)).toEqual([]);

      const ticked = newEmail();
      expect((await passwordSignUp(ticked, true)).status).toBe(303);
      const [record, ...more] = await recordsOf(ticked);
      expect(more).toEqual([]);
      expect(record).toMatchObject({ method: 'signup', wording, policy_version: wordingVersion(wording) });
      // Written in the account's transaction, at the account's creation time.
      expect(record!.accepted_at).toBe(record!.created_at);
    });

    it('when a sign-up is refused (a problem on the form, or the email taken), then nothing is recorded and a ticked box stays ticked for the reader', async () => {
      const email = newEmail();
      const refused = await submitForm(request.agent(t.app), '/signup', '/signup', { email, password: 'short', returnTo: '/', newsletter: 'yes' }, { 'X-Forwarded-For': nextNetwork() });
      expect(refused.status).toBe(400);
      expect(refused.text).toContain('<input id="newsletter" name="newsletter" type="checkbox" value="yes" checked>');
      expect(await db().selectFrom('accounts').select('id').where('email', '=', email).execute()).toEqual([]);

      expect((await passwordSignUp(email, true)).status).toBe(303);
      expect((await passwordSignUp(email, true)).status).toBe(400);
      expect(await recordsOf(email)).toHaveLength(1);
    });

    it('when a new reader comes through the gate and the emailed link, then the confirm page asks again, unticked, and records what was ticked there (signup-email)', async () => {
      // Ticked at the gate, not on the confirm page: whoever asked need not own the mailbox.
      const first = newEmail();
      const asked = await gate(first, true);
      const fromMail = request.agent(t.app);
      const { page, post } = await submitConfirm(fromMail, asked.link.path, false);
      expectUntickedBox(page.text);
      expect((await post()).status).toBe(303);
      expect(await recordsOf(first)).toEqual([]);

      const second = newEmail();
      const other = await gate(second, false);
      const confirmed = await submitConfirm(request.agent(t.app), other.link.path, true);
      expect((await confirmed.post()).status).toBe(303);
      expect(await recordsOf(second)).toMatchObject([{ method: 'signup-email', wording }]);
    });

    it('when a new reader types the mailed code on the page that asked, then that page\'s box is the choice (signup-email)', async () => {
      for (const tick of [true, false]) {
        const email = newEmail();
        const asked = await gate(email, tick);
        const signedIn = await asked.agent.post('/signin/email/code').set('X-Forwarded-For', asked.network).type('form').send({ email, code: asked.link.code, returnTo: '/', _csrf: csrfTokenIn(asked.checkPage) });
        expect(signedIn.status).toBe(303);
        expect(await recordsOf(email)).toEqual(tick ? [expect.objectContaining({ method: 'signup-email', wording })] : []);
      }
    });

    it('when an existing reader ticks the gate\'s box, then no record is made for them there (the account page is where they opt in)', async () => {
      const { email } = await signUp(t.app);
      const agent = request.agent(t.app);
      const page = await agent.get('/signin/continue').expect(200);
      const answer = await agent.post('/signin/continue').type('form').send({ email, returnTo: '/', newsletter: 'yes', _csrf: csrfTokenIn(page.text) });
      expect(answer.status).toBe(200);
      expect(await recordsOf(email)).toEqual([]);
    });

    it('when a reader withdraws and opts in again on /account, then each change appends a record, the page shows the latest, and records can be neither changed nor removed', async () => {
      const email = newEmail();
      expect((await passwordSignUp(email, true)).status).toBe(303);
      const agent = request.agent(t.app);
      expect((await submitForm(agent, '/signin', '/signin', { email, password: goodPassword, returnTo: '/' })).status).toBe(303);

      const subscribed = await agent.get('/account').expect(200);
      expect(subscribed.text).toContain('id="newsletter-title">Newsletter</h2>');
      expect(subscribed.text).toMatch(/You have been subscribed since \d+ \w+ \d{4}\./);
      expect(subscribed.text).toContain(`>${stopWording}</button>`);

      expect((await choose(agent, 'no')).headers.location).toBe('/account#newsletter');
      const stopped = await agent.get('/account').expect(200);
      expect(stopped.text).toContain('You are not subscribed.');
      expect(stopped.text).toContain(`>${wording}</button>`);
      // The same form sent again changes nothing more.
      expect((await choose(agent, 'no')).status).toBe(303);
      expect((await choose(agent, 'yes')).status).toBe(303);
      expect(await recordsOf(email)).toMatchObject([
        { method: 'signup', wording },
        { method: 'withdraw', wording: stopWording, policy_version: wordingVersion(stopWording) },
        { method: 'optin', wording },
      ]);
      expect((await agent.get('/account').expect(200)).text).toContain(`>${stopWording}</button>`);

      const [first] = await recordsOf(email);
      expect(await rejectionMessage(db().updateTable('consents').set({ method: 'withdraw' }).where('id', '=', first!.id).execute())).toMatch(/append-only/);
      expect(await rejectionMessage(db().deleteFrom('consents').where('id', '=', first!.id).execute())).toMatch(/append-only/);
      expect(await recordsOf(email)).toHaveLength(3);

      const data = (await agent.get('/account/data.json').expect(200)).body as { newsletter: { subscribed: boolean; records: { method: string; wording: string; version: string; at: string }[] }; consents: { document: string }[] };
      expect(data.newsletter.subscribed).toBe(true);
      expect(data.newsletter.records.map((r) => r.method)).toEqual(['signup', 'withdraw', 'optin']);
      expect(data.newsletter.records[0]).toMatchObject({ wording, version: wordingVersion(wording) });
      // The documents' history stays about the documents.
      expect(data.consents.map((c) => c.document).sort()).toEqual(['privacy', 'terms']);
    });

    it('when the form is sent without its CSRF token, signed out, or with another value, then nothing is recorded', async () => {
      const { agent, email } = await signUp(t.app);
      expect((await agent.post('/account/newsletter').type('form').send({ subscribe: 'yes' })).status).toBe(403);
      const stranger = request.agent(t.app);
      const signedOut = await stranger.get('/signin').expect(200);
      const anonymous = await stranger.post('/account/newsletter').type('form').send({ subscribe: 'yes', _csrf: csrfTokenIn(signedOut.text) });
      expect(anonymous.status).toBe(303);
      expect(anonymous.headers.location).toBe('/signin?returnTo=%2Faccount');
      const page = await agent.get('/account').expect(200);
      const bad = await agent.post('/account/newsletter').type('form').send({ subscribe: 'toggle', _csrf: csrfTokenIn(page.text) });
      expect(bad.status).toBe(400);
      expect(bad.text).toContain('The request could not be understood.');
      expect(await recordsOf(email)).toEqual([]);
    });

    it('when the admin exports the newsletter, then a few thousand records stream as CSV with only the verified readers opted in now, defused against formulas', async () => {
      const before = await csv().expect(200);
      const already = before.text.trim().split('\r\n').length - 1;
      // Written as the application writes them, in bulk: 1,200 accounts, 3,000 records.
      const at = (n: number) => new Date(Date.UTC(2026, 10, 1, 0, 0, n)).toISOString();
      const accounts = Array.from({ length: 1200 }, (_, i) => ({ id: randomUUID(), email: i === 0 ? '=HYPERLINK("http://x")@example.com' : `bulk-${i}-${randomUUID()}@example.com`, password_hash: '', is_admin: 0, created_at: at(0), updated_at: at(0), email_verified_at: i % 5 === 4 ? null : at(0) }));
      const records: { account_id: string; document: 'newsletter'; policy_version: string; wording: string; method: 'signup' | 'withdraw' | 'optin'; accepted_at: string }[] = [];
      const optIn = (accountId: string, n: number, method: 'signup' | 'optin' = 'signup') => records.push({ account_id: accountId, document: 'newsletter', policy_version: wordingVersion(wording), wording, method, accepted_at: at(n) });
      const withdraw = (accountId: string, n: number) => records.push({ account_id: accountId, document: 'newsletter', policy_version: wordingVersion(stopWording), wording: stopWording, method: 'withdraw', accepted_at: at(n) });
      const expected = new Set<string>();
      accounts.forEach((a, i) => {
        optIn(a.id, 1);
        if (i % 3 === 1) withdraw(a.id, 2); // withdrawn: not exported
        if (i % 3 === 2) {
          withdraw(a.id, 2);
          optIn(a.id, 3, 'optin'); // back again: exported, as of the opt-in
        }
        // An address nobody proved is never exported: anyone can sign up with someone else's email.
        if (i % 3 !== 1 && i % 5 !== 4) expected.add(a.email);
      });
      // Records of an erased account stay as proof, but nobody is mailed.
      optIn(`erased:${randomUUID()}`, 1);
      for (let i = 0; i < accounts.length; i += 200) await db().insertInto('accounts').values(accounts.slice(i, i + 200)).execute();
      for (let i = 0; i < records.length; i += 200) await db().insertInto('consents').values(records.slice(i, i + 200)).execute();
      expect(records.length).toBeGreaterThan(2000);

      const response = await csv().expect(200);
      expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(response.headers['content-disposition']).toBe('attachment; filename="newsletter.csv"');
      expect(response.headers['cache-control']).toBe('no-store');
      const lines = response.text.trim().split('\r\n');
      expect(lines[0]).toBe('email,opted_in_at,wording_version,method');
      const rows = lines.slice(1 + already);
      expect(rows).toHaveLength(expected.size);
      const emails = new Set(rows.map((line) => (line.startsWith('"') ? line.slice(0, line.indexOf('",') + 1) : line.split(',')[0]!)));
      expect(emails.size).toBe(expected.size);
      expect(rows).toContain(`"'=HYPERLINK(""http://x"")@example.com",${at(1)},${wordingVersion(wording)},signup`);
      expect(rows).toContain(`${accounts[2]!.email},${at(3)},${wordingVersion(wording)},optin`);
      expect(rows.some((line) => line.startsWith(`${accounts[1]!.email},`))).toBe(false);
    });

    it('when the newsletter export is asked without admin rights, then 401 without credentials and 403 for a reader', async () => {
      await request(t.app).get('/admin/api/newsletter.csv').expect(401);
      const { agent } = await signUp(t.app);
      await agent.get('/admin/api/newsletter.csv').expect(403);
    });

    it('when the consents export is filtered by document=newsletter, then only newsletter records', async () => {
      const email = newEmail();
      expect((await passwordSignUp(email, true)).status).toBe(303);
      const response = await request(t.app).get('/admin/api/consents.csv?document=newsletter').set('Authorization', `Bearer ${key}`).expect(200);
      const rows = response.text.trim().split('\r\n').slice(1);
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((r) => r.split(',')[2] === 'newsletter')).toBe(true);
      const count = await db().selectFrom('consents').select(sql<number>`count(*)`.as('n')).where('document', '=', 'newsletter').executeTakeFirstOrThrow();
      expect(rows).toHaveLength(Number(count.n));
    });
  });

  describeMode(mode)(`newsletter consent with a provider (${mode})`, () => {
    let h: OidcHarness;
    beforeAll(async () => {
      h = await startOidcHarness(mode);
    }, 60_000);
    afterAll(() => h.close());

    const recordsOf = (email: string) =>
      h.t.deps.database.db.selectFrom('consents').innerJoin('accounts', 'accounts.id', 'consents.account_id').select(['consents.method', 'consents.wording']).where('accounts.email', '=', email).where('consents.document', '=', 'newsletter').execute();

    it('when a new reader confirms after the provider, then the box is offered unticked and only a ticked box records a consent (signup-oidc)', async () => {
      for (const tick of [false, true]) {
        const agent = h.agent();
        const user = newUser();
        const back = await h.continueWith(agent, 'op', user, '/');
        expect(back.headers.location).toBe('/signin/oidc/confirm');
        const { page, post } = await submitConfirm(agent, '/signin/oidc/confirm', tick);
        expectUntickedBox(page.text);
        expect((await post()).status).toBe(303);
        expect(await recordsOf(user.email)).toEqual(tick ? [{ method: 'signup-oidc', wording }] : []);
      }
    });
  });
}
