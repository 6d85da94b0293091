import { locales } from '../config/config';
import { buildMessages, catalogOf, type MessageKey } from './i18n';
import type { MessageText } from './messages/catalog';

const english = catalogOf('en').messages;
const keys = Object.keys(english) as MessageKey[];
const formsOf = (text: MessageText): string[] => (typeof text === 'string' ? [text] : Object.values(text).filter((v): v is string => v !== undefined));
const placeholdersOf = (text: MessageText) => [...new Set(formsOf(text).flatMap((form) => [...form.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!)))].sort();
const marksOf = (text: MessageText) => [...new Set(formsOf(text).flatMap((form) => [...form.matchAll(/<(\w+)>/g)].map((m) => m[1]!)))].sort();

describe('message catalogs', () => {
  for (const locale of locales) {
    const { messages } = catalogOf(locale);

    it(`when the ${locale} catalog is compared with en, then it has every key and no other`, () => {
      expect(Object.keys(messages).sort()).toEqual([...keys].sort());
    });

    it(`when a ${locale} message is compared with en's, then it has the same placeholders and the same marks, and a plural where en has one`, () => {
      const mismatches = keys.filter((key) => {
        const ours = messages[key];
        const theirs = english[key];
        return JSON.stringify(placeholdersOf(ours)) !== JSON.stringify(placeholdersOf(theirs)) || JSON.stringify(marksOf(ours)) !== JSON.stringify(marksOf(theirs)) || typeof ours !== typeof theirs;
      });
      expect(mismatches).toEqual([]);
    });

    it(`when a ${locale} plural message is read, then it has a form for each plural category of ${locale}`, () => {
      const categories = new Intl.PluralRules(locale).resolvedOptions().pluralCategories;
      const incomplete = keys.filter((key) => {
        const text = messages[key];
        if (typeof text === 'string') return false;
        return !categories.every((c) => (text as unknown as Record<string, string | undefined>)[c] !== undefined);
      });
      expect(incomplete).toEqual([]);
    });

    it(`when a ${locale} message has marks, then each is closed and none is nested`, () => {
      const broken = keys.filter((key) =>
        formsOf(messages[key]).some((form) => {
          const bare = form.replace(/<(\w+)>[^<]*<\/\1>/g, '');
          return /<\/?\w+>/.test(bare);
        }),
      );
      expect(broken).toEqual([]);
    });
  }
});

describe('Messages', () => {
  const en = buildMessages('en');
  const de = buildMessages('de');

  it('when a plural message is asked for, then Intl.PluralRules picks the form in each language', () => {
    expect(en.t('meter.leftThisMonth', { count: 1 })).toBe('1 free article left this month.');
    expect(en.t('meter.leftThisMonth', { count: 2 })).toBe('2 free articles left this month.');
    expect(de.t('meter.leftThisMonth', { count: 1 })).toBe('Noch 1 kostenloser Artikel in diesem Monat.');
    expect(de.t('meter.leftThisMonth', { count: 2 })).toBe('Noch 2 kostenlose Artikel in diesem Monat.');
    expect(de.t('meter.leftThisMonth', { count: 0 })).toBe('Noch 0 kostenlose Artikel in diesem Monat.');
  });

  it('when numbers fill placeholders, then they are written in the language\'s way', () => {
    expect(en.t('password.tooShort', { min: 1200 })).toBe('Use at least 1,200 characters.');
    expect(de.t('password.tooShort', { min: 1200 })).toBe('Verwenden Sie mindestens 1.200 Zeichen.');
  });

  it('when a message with marks is asked for as text, then the marks go and their words stay (the consent wording as recorded)', () => {
    expect(en.t('consent.line')).toBe('By continuing you agree to our Privacy Policy and Terms of Use.');
    expect(de.t('consent.line')).toBe('Wenn Sie fortfahren, stimmen Sie unserer Datenschutzerklärung und unseren Nutzungsbedingungen zu.');
  });

  it('when a message is asked for as HTML, then marks become the elements given, and every text and value is escaped', () => {
    expect(en.html('consent.line', {}, { privacy: '/privacy', terms: '/terms' })).toBe('By continuing you agree to our <a href="/privacy">Privacy Policy</a> and <a href="/terms">Terms of Use</a>.');
    const hostile = '"><script>x</script><privacy>p</privacy>@example.com';
    const html = en.html('signinEmail.sent', { email: hostile });
    expect(html).toBe(`We have sent a link to <strong>&quot;&gt;&lt;script&gt;x&lt;/script&gt;&lt;privacy&gt;p&lt;/privacy&gt;@example.com</strong>. Open it within 15 minutes to continue. It works once.`);
    expect(en.html('signin.newHere', {}, { signup: '/signup?returnTo="x"' })).toBe('New here? <a href="/signup?returnTo=&quot;x&quot;">Create a free account</a>');
    expect(en.html('policy.meta', { version: '2', date: '1 December 2026' }, { time: { tag: 'time', attributes: { datetime: '2026-12-01', 'on<x': 'y' } } })).toBe('Version 2, in effect from <time datetime="2026-12-01">1 December 2026</time>');
  });

  it('when a mark has no element, then its words stay as text', () => {
    expect(en.html('signin.newHere')).toBe('New here? Create a free account');
  });

  it('when a value holds a placeholder or a mark, then it is put in as it is, never read again', () => {
    expect(en.t('account.noticeEmailSent', { email: '{count}<b>x</b>' })).toBe('We have sent a link to {count}<b>x</b>. Your email address changes when you follow it; until then it stays as it is.');
  });

  it('when dates are formatted, then each language writes them its way (Intl.DateTimeFormat)', () => {
    expect(en.formatDate('2026-12-01T07:14:54Z')).toBe('1 December 2026');
    expect(de.formatDate('2026-12-01T07:14:54Z')).toBe('1. Dezember 2026');
    expect(en.formatDateTime('2026-12-01T07:14:54Z')).toBe('1 December 2026 at 07:14 UTC');
    expect(de.formatDateTime('2026-12-01T07:14:54Z')).toBe('1. Dezember 2026 um 07:14 UTC');
    expect(buildMessages('de', { timeZone: 'Europe/Berlin' }).formatDateTime('2026-12-01T07:14:54Z')).toBe('1. Dezember 2026 um 08:14 MEZ');
  });

  it('when a wait is put in words, then minutes are rounded up, and from an hour on it counts hours', () => {
    expect(en.wait(1)).toBe('1 minute');
    expect(en.wait(61)).toBe('2 minutes');
    expect(en.wait(3 * 3600)).toBe('3 hours');
    expect(de.wait(59 * 60)).toBe('59 Minuten');
    expect(de.wait(3600)).toBe('1 Stunde');
  });

  it('when a message reference carries its values, then they are used', () => {
    expect(de.t({ key: 'plans.subscribeTo', params: { plan: 'Monatlich' } })).toBe('Abonnieren: Monatlich');
  });

  it('when a plan\'s price and trial are put in words, then every interval Stripe has reads right in both languages, the price nested in the trial line', () => {
    const price = (interval: string, count: number, amount: string) => ({ key: `plans.price.${interval}` as MessageKey, params: { count, amount } });
    expect(['day', 'week', 'month', 'year'].map((i) => en.t(price(i, 1, '€5.00')))).toEqual(['€5.00 per day', '€5.00 per week', '€5.00 per month', '€5.00 per year']);
    expect(['day', 'week', 'month', 'year'].map((i) => de.t(price(i, 2, '5,00 €')))).toEqual(['5,00 € alle 2 Tage', '5,00 € alle 2 Wochen', '5,00 € alle 2 Monate', '5,00 € alle 2 Jahre']);
    expect(en.t('plans.trialThen', { count: 14, price: price('month', 1, '€5.00') })).toBe('Free for 14 days, then €5.00 per month');
    expect(de.t('plans.trialThen', { count: 14, price: price('month', 1, '5,00 €') })).toBe('14 Tage kostenlos, danach 5,00 € pro Monat');
    expect(de.html('plans.trialThen', { count: 1, price: price('year', 1, '<50 €>') }, { trial: { tag: 'strong', attributes: { class: 'plan__trial' } } })).toBe('<strong class="plan__trial">1 Tag kostenlos</strong>, danach &lt;50 €&gt; pro Jahr');
  });

  it('when a passkey is added without a name, then its default name carries the date in the language\'s way', () => {
    const when = new Date('2026-12-01T10:00:00Z');
    expect(en.t('passkeys.defaultName', { date: en.formatDate(when) })).toBe('Passkey added 1 December 2026');
    expect(de.t('passkeys.defaultName', { date: de.formatDate(when) })).toBe('Passkey hinzugefügt am 1. Dezember 2026');
  });
});
