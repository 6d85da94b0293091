import request from 'supertest';
import { parseDocument } from 'htmlparser2';
import { selectAll as selectAllNodes, selectOne as selectOneNode } from 'css-select';
import { getAttributeValue, textContent } from 'domutils';
import type { Element } from 'domhandler';
import { startTestApp, type TestApp } from '../support/test-app';
import { csrfTokenIn, newEmail, signUp, submitForm, type Agent } from '../support/http';
import { resetLinkIn, resetMailTo } from '../support/outbox';

// css-select's types are generic over the DOM adapter: these are for htmlparser2's.
const selectAll = (query: string, root: unknown) => selectAllNodes(query, root as never) as unknown as Element[];
const selectOne = (query: string, root: unknown) => selectOneNode(query, root as never) as unknown as Element | null;

/** What a failed submit shows: the error summary, and each field it links to. */
function feedbackOf(html: string) {
  const doc = parseDocument(html);
  const summaries = selectAll('.error-summary', doc);
  const summary = summaries[0];
  const links = summary ? selectAll('a[href^="#"]', summary) : [];
  return {
    summaries: summaries.length,
    autofocused: selectAll('[autofocus]', doc).length,
    summary: summary && { role: getAttributeValue(summary, 'role'), tabindex: getAttributeValue(summary, 'tabindex'), autofocus: getAttributeValue(summary, 'autofocus') !== undefined },
    problems: links.map((link) => {
      const id = getAttributeValue(link, 'href')!.slice(1);
      const target = selectOne(`[id="${id}"]`, doc);
      const describedBy = target ? (getAttributeValue(target, 'aria-describedby') ?? '').split(/\s+/).filter(Boolean) : [];
      const descriptions = describedBy.map((d) => textContent(selectOne(`[id="${d}"]`, doc)!).trim());
      return {
        message: textContent(link).trim(),
        target: target?.name,
        invalid: target ? getAttributeValue(target, 'aria-invalid') : undefined,
        describedByMessage: descriptions.includes(textContent(link).trim()),
      };
    }),
    text: textContent(selectOne('main', doc)!).replace(/\s+/g, ' '),
  };
}

/** Every field error as shown, for the repetition check. */
function fieldErrorsOf(html: string): string[] {
  return selectAll('.field__error', parseDocument(html)).map((e) => textContent(e).trim());
}

/** A phrase of three or more words said twice in one message ("must be a whole number … must be a whole number"). */
function repeatedPhrase(message: string): string | undefined {
  const words = message.toLowerCase().replace(/[^\p{L}\p{N}\s]/gu, ' ').split(/\s+/).filter(Boolean);
  const seen = new Set<string>();
  for (let i = 0; i + 3 <= words.length; i += 1) {
    const phrase = words.slice(i, i + 3).join(' ');
    if (seen.has(phrase)) return phrase;
    seen.add(phrase);
  }
  return undefined;
}

describe('feedback after a failed submit, and the pages around it (embedded)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('embedded');
  });
  afterAll(() => t.close());

  const fieldProblem = (message: string, target = 'input') => ({ message, target, invalid: 'true', describedByMessage: true });
  const expectSummary = (html: string, problems: unknown[]) => {
    const seen = feedbackOf(html);
    expect(seen.summaries).toBe(1);
    // Only the summary takes the focus: a second autofocus would steal it.
    expect(seen.autofocused).toBe(1);
    expect(seen.summary).toEqual({ role: 'alert', tabindex: '-1', autofocus: true });
    expect(seen.problems).toEqual(problems);
    return seen;
  };

  it('when sign-up fails, then one summary takes the focus and links every problem (email and password at once) to its field', async () => {
    const bad = await submitForm(request.agent(t.app), '/signup', '/signup', { email: 'not an email', password: 'short' });
    expect(bad.status).toBe(400);
    expectSummary(bad.text, [fieldProblem('Enter a valid email address, like name@example.com.'), fieldProblem('Use at least 8 characters.')]);
    const empty = await submitForm(request.agent(t.app), '/signup', '/signup', { email: '', password: '' });
    expectSummary(empty.text, [fieldProblem('Enter your email address.'), fieldProblem('Choose a password.')]);
  });

  it('when sign-in fails, then the summary links the problem to the field to fix', async () => {
    const wrong = await submitForm(request.agent(t.app), '/signin', '/signin', { email: newEmail(), password: 'not the password' }, { 'X-Forwarded-For': '203.0.113.40' });
    expect(wrong.status).toBe(401);
    expectSummary(wrong.text, [fieldProblem('That email and password do not match an account.')]);
    const missing = await submitForm(request.agent(t.app), '/signin', '/signin', { email: '', password: '' }, { 'X-Forwarded-For': '203.0.113.41' });
    expectSummary(missing.text, [fieldProblem('Enter your email address and password.')]);
  });

  it('when an emailed link or its code is asked for wrongly, then the summary links to the email or the code field', async () => {
    const bad = await submitForm(request.agent(t.app), '/signin/email', '/signin/email', { email: 'nope' });
    expect(bad.status).toBe(400);
    expectSummary(bad.text, [fieldProblem('Enter a valid email address, like name@example.com.')]);

    const agent = request.agent(t.app);
    const email = newEmail();
    const sent = await submitForm(agent, '/signin/email', '/signin/email', { email });
    expect(sent.status).toBe(200);
    const code = await agent.post('/signin/email/code').type('form').send({ _csrf: csrfTokenIn(sent.text), email, returnTo: '/', code: '12' });
    expect(code.status).toBe(400);
    expectSummary(code.text, [fieldProblem('Enter the 6-digit code from the mail.')]);
  });

  it('when the forgotten-password form or the new password is wrong, then the summary links to the field', async () => {
    const bad = await submitForm(request.agent(t.app), '/password/forgot', '/password/forgot', { email: '' }, { 'X-Forwarded-For': '203.0.113.42' });
    expect(bad.status).toBe(400);
    expectSummary(bad.text, [fieldProblem('Enter your email address.')]);

    const { email } = await signUp(t.app);
    await submitForm(request.agent(t.app), '/password/forgot', '/password/forgot', { email }, { 'X-Forwarded-For': '203.0.113.43' });
    const link = resetLinkIn(await resetMailTo(t.deps.config.dataDir, email));
    const reader = request.agent(t.app);
    const form = await reader.get(link.pathname).expect(200);
    const weak = await reader.post(link.pathname).type('form').send({ _csrf: csrfTokenIn(form.text), password: 'short' });
    expect(weak.status).toBe(400);
    expectSummary(weak.text, [fieldProblem('Use at least 8 characters.')]);
  });

  it('when a form of the account page fails, then the summary at the top links to that form\'s field', async () => {
    const { agent } = await signUp(t.app);
    const post = async (action: string, fields: Record<string, string>) => {
      const page = await agent.get('/account').expect(200);
      return agent.post(action).type('form').send({ ...fields, _csrf: csrfTokenIn(page.text) });
    };
    const current = await post('/account/password', { currentPassword: 'not it', newPassword: 'a whole new harbour' });
    expect(current.status).toBe(400);
    expectSummary(current.text, [fieldProblem('That is not your current password.')]);
    const email = await post('/account/email', { newEmail: 'nope', password: '' });
    expectSummary(email.text, [fieldProblem('Enter a valid email address, like name@example.com.')]);
    const password = await post('/account/email', { newEmail: newEmail(), password: 'not it' });
    expectSummary(password.text, [fieldProblem('That is not your current password.')]);

    const deletion = await submitForm(agent, '/account/delete', '/account/delete', { password: 'not it' });
    expect(deletion.status).toBe(400);
    expectSummary(deletion.text, [fieldProblem('That is not your password.')]);
    // No error, no summary: the focus stays where the browser puts it.
    expect(feedbackOf((await agent.get('/account').expect(200)).text).summaries).toBe(0);
  });

  it('when a reset link was used or never existed, then "This link no longer works" says why and offers a new one (400)', async () => {
    const { email } = await signUp(t.app);
    await submitForm(request.agent(t.app), '/password/forgot', '/password/forgot', { email }, { 'X-Forwarded-For': '203.0.113.44' });
    const link = resetLinkIn(await resetMailTo(t.deps.config.dataDir, email));
    const reader = request.agent(t.app);
    const form = await reader.get(link.pathname).expect(200);
    await reader.post(link.pathname).type('form').send({ _csrf: csrfTokenIn(form.text), password: 'a brand new lighthouse' }).expect(303);

    for (const answer of [
      await request(t.app).get(link.pathname),
      await reader.post(link.pathname).type('form').send({ _csrf: csrfTokenIn(form.text), password: 'yet another lighthouse' }),
      await request(t.app).get(`/password/reset/${'A'.repeat(43)}`),
      await request(t.app).get('/password/reset/short'),
    ]) {
      expect(answer.status).toBe(400);
      const doc = parseDocument(answer.text);
      expect(textContent(selectOne('h1', doc)!)).toBe('This link no longer works');
      expect(answer.text).toContain('This password reset link has expired or was already used.');
      expect(answer.text).not.toContain('Something in that request was not right');
      const again = selectOne('main a[href="/password/forgot"]', doc);
      expect(again && textContent(again)).toBe('Ask for a new reset link');
      expect(answer.headers['referrer-policy']).toBe('no-referrer');
    }
  });

  it('when the account page lists consents, then every cell carries its column\'s name for small screens', async () => {
    const { agent } = await signUp(t.app);
    const doc = parseDocument((await agent.get('/account').expect(200)).text);
    const table = selectOne('table.table--stacked', doc)!;
    const headers = (selectAll('thead th', table)).map((th) => textContent(th));
    expect(headers).toEqual(['Document', 'Version', 'How', 'When']);
    const rows = selectAll('tbody tr', table);
    expect(rows.length).toBe(2);
    for (const row of rows) expect((selectAll('td', row)).map((td) => getAttributeValue(td, 'data-label'))).toEqual(headers);
  });

  it('when a form fails, then no message repeats itself: the admin\'s meter limits and the readers\' forms', async () => {
    const admin = await signUp(t.app);
    await t.deps.auth.accountsRepository.setAdmin(admin.email, true);
    const page = await admin.agent.get('/admin').expect(200);
    const meter = await admin.agent.post('/admin/meter').type('form').send({ _csrf: csrfTokenIn(page.text), anonymousLimit: 'one', registeredLimit: '-1', periodKind: 'calendar-month', timeZone: 'UTC', days: '30', teaserParagraphs: '2', onStoreFailure: 'open', sections: '' });
    expect(meter.status).toBe(400);
    const readers = [
      await submitForm(request.agent(t.app), '/signup', '/signup', { email: 'not an email', password: 'short' }),
      await submitForm(request.agent(t.app), '/signup', '/signup', { email: newEmail(), password: 'password1234' }),
      await submitForm(request.agent(t.app), '/password/forgot', '/password/forgot', { email: 'bad' }, { 'X-Forwarded-For': '203.0.113.45' }),
    ];
    const messages = [meter, ...readers].flatMap((r) => fieldErrorsOf(r.text));
    expect(messages.length).toBeGreaterThanOrEqual(5);
    expect(messages.filter((m) => /whole number|0 or more/i.test(m)).length).toBe(2);
    expect(messages.map((m) => [m, repeatedPhrase(m)]).filter(([, r]) => r !== undefined)).toEqual([]);
  });

  it('when a reader signs out, then the front page says so (role=status), and no text from the address is shown', async () => {
    const { agent } = await signUp(t.app);
    const accountPage = await agent.get('/account').expect(200);
    const out = await agent.post('/signout').type('form').send({ _csrf: csrfTokenIn(accountPage.text) }).expect(303);
    expect(out.headers.location).toBe('/?signedOut=1');
    const front = await agent.get('/?signedOut=1').expect(200);
    const notice = selectOne('main [role="status"]', parseDocument(front.text));
    expect(notice && textContent(notice).trim()).toBe('You have signed out.');
    expect(front.text).toContain('href="/signin?returnTo=');

    const plain = await request(t.app).get('/').expect(200);
    expect(plain.text).not.toContain('You have signed out.');
    const made = await request(t.app).get('/?signedOut=%3Cb%3EYour%20account%20is%20locked%3C%2Fb%3E').expect(200);
    expect(made.text).not.toContain('You have signed out.');
    expect(made.text).not.toContain('account is locked');
    // Signed in again, an old link does not say the reader is signed out.
    const { agent: signedIn } = await signUp(t.app);
    expect((await signedIn.get('/?signedOut=1').expect(200)).text).not.toContain('You have signed out.');
  });
});

describe('the same pages in German (LOCALE=de, embedded)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('embedded', { env: { LOCALE: 'de' } });
  });
  afterAll(() => t.close());

  it('when a German form fails, a reset link is spent and a reader signs out, then each says so in German', async () => {
    const bad = await submitForm(request.agent(t.app), '/signup', '/signup', { email: '', password: '' });
    const summary = feedbackOf(bad.text);
    expect(summary.text).toContain('Es gibt ein Problem');
    expect(summary.problems.map((p) => p.message)).toEqual(['Geben Sie Ihre E-Mail-Adresse ein.', 'Wählen Sie ein Passwort.']);

    const spent = await request(t.app).get(`/password/reset/${'A'.repeat(43)}`).expect(400);
    expect(spent.text).toContain('Dieser Link zum Zurücksetzen des Passworts ist abgelaufen oder wurde schon verwendet.');
    expect(spent.text).toContain('Neuen Link zum Zurücksetzen anfordern');

    const { agent }: { agent: Agent } = await signUp(t.app);
    const accountPage = await agent.get('/account').expect(200);
    await agent.post('/signout').type('form').send({ _csrf: csrfTokenIn(accountPage.text) }).expect(303);
    expect((await agent.get('/?signedOut=1').expect(200)).text).toContain('Sie haben sich abgemeldet.');
  });
});
