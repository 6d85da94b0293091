import request from 'supertest';
import { startTestApp, type TestApp } from '../support/test-app';
import { csrfTokenIn, goodPassword, newEmail, signUp } from '../support/http';
import { meterSettingsOf } from '../support/meter-settings';
import { makeFixtureContent } from '../support/fixture-content';
import { decodedMailTo } from '../support/mail-decoding';
import { consentWording } from '../../src/auth/accounts.service';
import { buildMessages } from '../../src/http/i18n';

const german = buildMessages('de');
const germanDateTime = /\d{1,2}\. (Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember) \d{4} um \d{2}:\d{2} UTC/;

let address = 0;
/** Each test reads from its own network, so that no meter or throttle of one reaches another. */
const nextNetwork = () => `198.51.100.${(address += 1)}`;

describe('LOCALE=de: the reader sees, and the consent records keep, German', () => {
  let t: TestApp;
  let apiKey: string;
  const settings = meterSettingsOf(() => t, () => apiKey);

  beforeAll(async () => {
    t = await startTestApp('embedded', { env: { LOCALE: 'de', CONTENT_DIR: makeFixtureContent() } });
    apiKey = (await t.deps.admin.apiKeys.create('tests')).key;
  });
  afterAll(() => t?.close());

  const dataDir = () => t.deps.config.dataDir;

  it('when the meter counts, then its notice picks the German plural: "1 kostenloser Artikel", "2 kostenlose Artikel"', async () => {
    await settings({ anonymousLimit: 3 });
    const reader = request.agent(t.app);
    const network = nextNetwork();
    const first = await reader.get('/articles/m1').set('X-Forwarded-For', network).expect(200);
    expect(first.headers['x-access-decision']).toBe('metered');
    expect(first.text).toContain('<p class="meter-notice" role="status">Noch 2 kostenlose Artikel in diesem Monat.</p>');
    const second = await reader.get('/articles/m2').set('X-Forwarded-For', network).expect(200);
    expect(second.text).toContain('<p class="meter-notice" role="status">Noch 1 kostenloser Artikel in diesem Monat.</p>');
    const third = await reader.get('/articles/m3').set('X-Forwarded-For', network).expect(200);
    expect(third.text).toContain('Dies ist Ihr letzter kostenloser Artikel in diesem Monat.');
    expect(third.text).not.toMatch(/free article/);
  });

  it('when a reader meets the registration wall, then the gate, its offer and its consent line are German, and the page says lang="de"', async () => {
    await settings({ anonymousLimit: 0, registeredLimit: 10 });
    const wall = await request(t.app).get('/articles/marked').set('X-Forwarded-For', nextNetwork()).expect(200);
    expect(wall.headers['x-access-decision']).toBe('registration-wall');
    expect(wall.text).toMatch(/^<!doctype html>\s*<html lang="de">/);
    const gate = /<section class="gate[\s\S]*?<\/section>/.exec(wall.text)![0];
    expect(gate).toContain('<h2 id="gate-title">Anmelden oder kostenloses Konto erstellen</h2>');
    expect(gate).toContain('Sie haben Ihre kostenlosen Artikel vorerst gelesen. Mit einem kostenlosen Konto lesen Sie 10 kostenlose Artikel im Monat.');
    expect(gate).toMatch(/<label for="gate-email">E-Mail-Adresse<\/label>/);
    expect(gate).toContain('<button type="submit" class="button">Weiter</button>');
    expect(gate).toContain('Wenn Sie fortfahren, stimmen Sie unserer <a href="/privacy">Datenschutzerklärung</a> und unseren <a href="/terms">Nutzungsbedingungen</a> zu.');
    expect(gate).not.toMatch(/Sign in|Create a free account|Email address|By continuing/);
  });

  it('when the registered allowance is one article, then the offer uses the singular, in the accusative', async () => {
    await settings({ anonymousLimit: 0, registeredLimit: 1 });
    const wall = await request(t.app).get('/articles/marked').set('X-Forwarded-For', nextNetwork()).expect(200);
    expect(wall.text).toContain('Mit einem kostenlosen Konto lesen Sie 1 kostenlosen Artikel im Monat.');
  });

  it('when a reader opens the sign-up page and sends it wrong, then the page, its hints and its errors are German', async () => {
    const agent = request.agent(t.app);
    const page = await agent.get('/signup').expect(200);
    expect(page.text).toContain('<h1>Kostenloses Konto erstellen</h1>');
    expect(page.text).toContain('<title>Kostenloses Konto erstellen');
    expect(page.text).toContain('Mindestens 8 Zeichen.');
    expect(page.text).toContain('<label for="password">Passwort</label>');
    const refused = await agent.post('/signup').type('form').send({ _csrf: csrfTokenIn(page.text), email: 'keine-adresse', password: 'kurz', returnTo: '/' }).expect(400);
    expect(refused.text).toContain('Geben Sie eine gültige E-Mail-Adresse ein, etwa name@example.com.');
    const weak = await agent.post('/signup').type('form').send({ _csrf: csrfTokenIn(page.text), email: newEmail(), password: 'kurz', returnTo: '/' }).expect(400);
    expect(weak.text).toContain('Verwenden Sie mindestens 8 Zeichen.');
  });

  it('when a reader signs up, then the consents keep the German wording shown, and the confirmation mail is German', async () => {
    const page = await request(t.app).get('/signup').expect(200);
    const shown = /<p class="consent">([\s\S]*?)<\/p>/.exec(page.text)![1]!.replace(/<[^>]+>/g, '');
    const { email } = await signUp(t.app);
    const account = await t.deps.auth.accountsRepository.findByEmail(email);
    const consents = await t.deps.consent.service.consentsOf(account!.id);
    expect(shown).toBe('Wenn Sie fortfahren, stimmen Sie unserer Datenschutzerklärung und unseren Nutzungsbedingungen zu.');
    expect(consents.map((c) => [c.document, c.method, c.wording]).sort()).toEqual([
      ['privacy', 'signup', shown],
      ['terms', 'signup', shown],
    ]);
    expect(consentWording(german)).toBe(shown);
    const mail = await decodedMailTo(dataDir(), email, /E-Mail-Adresse/);
    expect(mail.subject).toBe(`Bestätigen Sie Ihre E-Mail-Adresse für ${t.deps.config.siteName}`);
    expect(mail.text).toMatch(/^Willkommen bei .+\. Um zu bestätigen, dass dies Ihre E-Mail-Adresse ist, öffnen Sie diesen Link innerhalb von 24 Stunden:\n\nhttps?:\/\/\S+\/account\/verify\/[A-Za-z0-9_-]{43}\n\nWenn Sie kein Konto erstellt haben, ignorieren Sie diese E-Mail\.\n$/);
  });

  it('when a reader asks for an emailed link, then the mail and the "check your email" page are German', async () => {
    const email = newEmail();
    const agent = request.agent(t.app);
    const form = await agent.get('/signin/email').expect(200);
    expect(form.text).toContain('<h1>Anmeldelink per E-Mail senden</h1>');
    const sent = await agent.post('/signin/email').set('X-Forwarded-For', nextNetwork()).type('form').send({ _csrf: csrfTokenIn(form.text), email, returnTo: '/' }).expect(200);
    expect(sent.text).toContain(`Wir haben einen Link an <strong>${email}</strong> gesendet.`);
    const mail = await decodedMailTo(dataDir(), email, /Konto bei/);
    expect(mail.subject).toBe(`Erstellen Sie Ihr Konto bei ${t.deps.config.siteName}`);
    expect(mail.text).toContain('Oder geben Sie diesen Code auf der Seite ein, auf der Sie den Link angefordert haben: ');
  });

  it('when a signed-in reader opens the account page, then its words and the consent dates are German', async () => {
    const { agent } = await signUp(t.app);
    const page = await agent.get('/account').expect(200);
    expect(page.text).toContain('<h1>Ihr Konto</h1>');
    expect(page.text).toContain('<h2>Was Sie akzeptiert haben</h2>');
    expect(page.text).toContain('<td>Als Sie Ihr Konto erstellt haben</td>');
    const when = [...page.text.matchAll(/<td><time datetime="[^"]+">([^<]+)<\/time><\/td>/g)].map((m) => m[1]!);
    expect(when).toHaveLength(2);
    for (const date of when) expect(date).toMatch(germanDateTime);
  });

  it('when a new version of the Terms takes effect, then the interstitial is German, with a German date, and the acceptance keeps its German wording', async () => {
    const { agent, email } = await signUp(t.app);
    const version = `de-${Date.now()}`;
    await request(t.app).post('/admin/api/policies').set('Authorization', `Bearer ${apiKey}`).send({ document: 'terms', version, body: 'Neue Bedingungen.' }).expect(201);
    const page = await agent.get('/').expect(200);
    expect(page.text).toContain('<h1>Unsere Nutzungsbedingungen haben sich geändert</h1>');
    expect(page.text).toContain('Bevor Sie weiterlesen, lesen Sie bitte die neue Fassung unten.');
    expect(/Gültig ab <time datetime="[^"]+">([^<]+)<\/time>/.exec(page.text)![1]).toMatch(germanDateTime);
    const wording = `Wir haben unsere Nutzungsbedingungen aktualisiert (Version ${version}). Mit „Akzeptieren und weiter“ stimmen Sie dieser Version zu.`;
    expect(page.text).toContain(`<p class="consent">${wording}</p>`);
    expect(page.text).toContain('>Akzeptieren und weiter</button>');
    await agent.post('/policies/accept').type('form').send({ _csrf: csrfTokenIn(page.text), terms: version, returnTo: '/' }).expect(303);
    const account = await t.deps.auth.accountsRepository.findByEmail(email);
    const reaccepted = (await t.deps.consent.service.consentsOf(account!.id)).filter((c) => c.method === 'reaccept');
    expect(reaccepted.map((c) => [c.document, c.policyVersion, c.wording])).toEqual([['terms', version, wording]]);
  });

  it('when a page does not exist or a sign-in fails, then the error is German', async () => {
    const missing = await request(t.app).get('/gibt-es-nicht').expect(404);
    expect(missing.text).toContain('<h1>Seite nicht gefunden</h1>');
    expect(missing.text).toContain('<a href="/">Zur Startseite</a>');
    const agent = request.agent(t.app);
    const form = await agent.get('/signin').expect(200);
    const failed = await agent.post('/signin').set('X-Forwarded-For', nextNetwork()).type('form').send({ _csrf: csrfTokenIn(form.text), email: newEmail(), password: goodPassword, returnTo: '/' }).expect(401);
    expect(failed.text).toContain('Diese E-Mail-Adresse und dieses Passwort gehören zu keinem Konto.');
  });
});
