import request from 'supertest';
import { startTestApp, type TestApp } from '../support/test-app';
import { csrfTokenIn, goodPassword, newEmail, signUp } from '../support/http';
import { meterSettingsOf } from '../support/meter-settings';
import { makeFixtureContent } from '../support/fixture-content';
import { decodedMailTo } from '../support/mail-decoding';
import { consentWording } from '../../src/auth/accounts.service';
import { buildMessages } from '../../src/http/i18n';
import { defaultPresentationSettings } from '../../src/admin/admin.module';
import { FakeStripe } from '../support/fake-stripe';
import { newUser, startOidcHarness, type OidcHarness } from '../support/oidc-provider/harness';

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
    expect(page.text).toMatch(/<td( data-label="Wie")?>Als Sie Ihr Konto erstellt haben<\/td>/);
    const when = [...page.text.matchAll(/<td[^>]*><time datetime="[^"]+">([^<]+)<\/time><\/td>/g)].map((m) => m[1]!);
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

  it('when an article is shown, then its date is German: "1. November 2026"', async () => {
    const page = await request(t.app).get('/articles/free-one').set('X-Forwarded-For', nextNetwork()).expect(200);
    expect(page.text).toContain('<time datetime="2026-11-01T00:00:00.000Z">1. November 2026</time>');
    const home = await request(t.app).get('/').expect(200);
    expect(home.text).toContain('>1. November 2026</time>');
    expect(home.text).not.toMatch(/>1 November 2026</);
  });

  it('when the publisher sets a time zone, then dates are German and in that zone: midnight UTC on 1 November is 31 October in New York', async () => {
    const put = (body: object) => request(t.app).put('/admin/api/presentation').set('Authorization', `Bearer ${apiKey}`).send(body).expect(200);
    await put({ ...defaultPresentationSettings, timeZone: 'America/New_York' });
    try {
      const page = await request(t.app).get('/articles/free-one').set('X-Forwarded-For', nextNetwork()).expect(200);
      expect(page.text).toContain('<time datetime="2026-11-01T00:00:00.000Z">31. Oktober 2026</time>');
      // A date with its time (the account's consent table) says the zone it is in, not UTC.
      const { agent } = await signUp(t.app);
      const account = await agent.get('/account').expect(200);
      const when = [...account.text.matchAll(/<td[^>]*><time datetime="[^"]+">([^<]+)<\/time><\/td>/g)].map((m) => m[1]!);
      expect(when).toHaveLength(2);
      for (const date of when) expect(date).toMatch(/^\d{1,2}\. \S+ \d{4} um \d{2}:\d{2} (GMT-[45]|EST|EDT)$/);
    } finally {
      await put(defaultPresentationSettings);
    }
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

describe('LOCALE=de: the paywall states its prices in German', () => {
  let stripe: FakeStripe;
  let t: TestApp;

  beforeAll(async () => {
    stripe = new FakeStripe(undefined, undefined, [
      { id: 'price_de_monthly', nickname: 'Monatlich', unitAmount: 500, interval: 'month', currency: 'eur', trialDays: null },
      { id: 'price_de_yearly', nickname: 'Jährlich', unitAmount: 5000, interval: 'year', currency: 'eur', trialDays: null },
    ]);
    await stripe.start();
    t = await startTestApp('embedded', {
      env: { LOCALE: 'de', CONTENT_DIR: makeFixtureContent(), ...stripe.appEnv(), PUBLIC_URL: 'http://gatehouse.test' },
    });
    await t.deps.billing.plans.replace([
      { priceId: 'price_de_monthly', name: 'Monatlich', description: 'Jeder Artikel, monatlich bezahlt', trialDays: 14, allowPromotionCodes: true },
      { priceId: 'price_de_yearly', name: 'Jährlich', description: 'Zwei Monate geschenkt', highlighted: true },
    ]);
    await t.deps.billing.plans.loadPrices();
  });
  afterAll(async () => {
    await t?.close();
    await stripe?.stop();
  });

  it('when a signed-in reader meets the paywall, then the trial, the prices (German amounts and intervals) and the highlighted plan are in German', async () => {
    const { agent } = await signUp(t.app);
    const wall = await agent.get('/articles/premium-one').expect(200);
    expect(wall.headers['x-access-decision']).toBe('paywall');
    // Intl writes a no-break space between the amount and the euro sign.
    expect(wall.text).toContain('<p class="plan__price" id="gatehouse-plan-price_de_monthly-price"><strong class="plan__trial">14 Tage kostenlos</strong>, danach 5,00\u00a0€ pro Monat</p>');
    expect(wall.text).toContain('<p class="plan__price" id="gatehouse-plan-price_de_yearly-price">50,00\u00a0€ pro Jahr</p>');
    expect(wall.text).toContain('<h3 class="plan__name">Jährlich<span class="visually-hidden">, </span> <span class="plan__badge">Am beliebtesten</span></h3>');
    expect(wall.text).toContain('Sie haben einen Aktionscode? Sie können ihn beim Bezahlen eingeben.');
    expect(wall.text).toMatch(/aria-describedby="gatehouse-plan-price_de_monthly-price">Abonnieren: Monatlich<\/button>/);
    expect(wall.text).not.toMatch(/per month|Free for|Most popular/);
    // The plans page says the same.
    const plans = await agent.get('/subscribe').expect(200);
    expect(plans.text).toContain('danach 5,00\u00a0€ pro Monat');
  });
});

describe('LOCALE=de: continuing with a provider is German', () => {
  let h: OidcHarness;
  beforeAll(async () => {
    h = await startOidcHarness('embedded', { LOCALE: 'de' });
  }, 60_000);
  afterAll(() => h?.close());

  it('when a new reader comes back from the provider, then the confirm page, its consent line and its button are German; a spent confirmation is a German problem page', async () => {
    const agent = h.agent();
    const user = newUser();
    const back = await h.continueWith(agent, 'op', user, '/');
    expect(back.status).toBe(303);
    expect(back.headers.location).toBe('/signin/oidc/confirm');
    const page = await agent.get('/signin/oidc/confirm').expect(200);
    expect(page.text).toMatch(/^<!doctype html>\s*<html lang="de">/);
    expect(page.text).toContain('<h1>Ihr kostenloses Konto erstellen</h1>');
    expect(page.text).toContain(`Ihr Konto verwendet <strong>${user.email}</strong>, von Test Provider. Sie melden sich mit Test Provider an`);
    expect(page.text).toContain('Wenn Sie fortfahren, stimmen Sie unserer <a href="/privacy">Datenschutzerklärung</a> und unseren <a href="/terms">Nutzungsbedingungen</a> zu.');
    expect(page.text).toContain('<button type="submit" class="button">Mein kostenloses Konto erstellen</button>');
    expect(page.text).not.toMatch(/Create your free account|Your account will use/);

    const fields: Record<string, string> = { _csrf: csrfTokenIn(page.text) };
    for (const [, name, value] of page.text.matchAll(/name="(termsVersion|privacyVersion)" value="([^"]*)"/g)) fields[name!] = value!;
    expect((await agent.post('/signin/oidc/confirm').type('form').send(fields)).status).toBe(303);
    const account = await h.t.deps.auth.accountsRepository.findByEmail(user.email);
    const consents = await h.t.deps.consent.service.consentsOf(account!.id);
    expect(consents.map((c) => c.wording)).toEqual([consentWording(german), consentWording(german)]);

    const spent = await h.agent().get('/signin/oidc/confirm').expect(400);
    expect(spent.text).toContain('<h1>Diese Seite funktioniert nicht mehr</h1>');
    expect(spent.text).toContain('<h2>Andere Wege hinein</h2>');
    expect(spent.text).toContain('>Weiter mit Test Provider</a>');
  });
});
