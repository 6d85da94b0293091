import type { Express } from 'express';
import type { Locale } from '../config/config';
import type { CatalogMeta, MessageText } from './messages/catalog';
import { en, enMeta, type MessageKey } from './messages/en';
import { de, deMeta } from './messages/de';

export type { MessageKey } from './messages/en';
export type { Locale } from '../config/config';

/**
 * Values for a message's `{name}` placeholders; `count` also picks the plural form. A value
 * may be another message, put in words first ("2 free articles left ({allowance})").
 */
export type Params = Readonly<Record<string, string | number | MessageRef>>;

/** A message not yet put into words: what a pure function returns for a view to say. */
export interface MessageRef {
  readonly key: MessageKey;
  readonly params?: Params;
}

/**
 * What a `<name>…</name>` mark of a message becomes in HTML: a string is a link's href;
 * otherwise an element with attributes. A mark the view gives nothing for stays plain text,
 * except `<strong>`.
 */
export type MarkElement = string | { readonly tag: 'a' | 'strong' | 'em' | 'time' | 'span'; readonly attributes?: Readonly<Record<string, string>> };

/** The reader-facing words in the configured language (LOCALE), and its dates and numbers. */
export interface Messages {
  readonly locale: Locale;
  /** `<html lang>`. */
  readonly lang: string;
  /** The BCP 47 tag dates are formatted for ("en-GB", "de-DE"). */
  readonly dateLocale: string;
  /** The message as plain text: placeholders filled, marks dropped (their text kept). */
  t(message: MessageKey | MessageRef, params?: Params): string;
  /** The message as HTML for `<%~ %>`: every text and value escaped, marks made the elements given. */
  html(message: MessageKey | MessageRef, params?: Params, elements?: Readonly<Record<string, MarkElement>>): string;
  /** "20 November 2026", "20. November 2026". */
  formatDate(value: string | Date): string;
  /** "20 November 2026 at 07:14 UTC", "20. November 2026 um 07:14 UTC". */
  formatDateTime(value: string | Date): string;
  /** How long to wait, in words: "5 minutes" (rounded up), from an hour on "2 hours". */
  wait(seconds: number): string;
}

const catalogs: Record<Locale, { readonly meta: CatalogMeta; readonly messages: Readonly<Record<MessageKey, MessageText>> }> = {
  en: { meta: enMeta, messages: en },
  de: { meta: deMeta, messages: de },
};

/** The messages of a catalog, for the tests that compare catalogs. */
export function catalogOf(locale: Locale): { readonly meta: CatalogMeta; readonly messages: Readonly<Record<MessageKey, MessageText>> } {
  return catalogs[locale];
}

const placeholder = /\{(\w+)\}/g;
const mark = /<(\w+)>([\s\S]*?)<\/\1>/g;
const attributeName = /^[a-z][a-z-]*$/;

const entities: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes as Eta's `<%= %>` does, so a value reads the same whichever way it reached the page. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => entities[c]!);
}

/** Builds the messages of one locale, once, in the composition root. */
export function buildMessages(locale: Locale, options: { readonly timeZone?: string } = {}): Messages {
  const { meta, messages } = catalogs[locale];
  const timeZone = options.timeZone ?? 'UTC';
  const plurals = new Intl.PluralRules(meta.lang);
  const numbers = new Intl.NumberFormat(meta.lang);
  // One formatter each: building an Intl.DateTimeFormat costs ~40 µs, a page may show several dates.
  const day = new Intl.DateTimeFormat(meta.dateLocale, { day: 'numeric', month: 'long', year: 'numeric', timeZone });
  const moment = new Intl.DateTimeFormat(meta.dateLocale, { day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone, timeZoneName: 'short' });
  const asDate = (value: string | Date) => (typeof value === 'string' ? new Date(value) : value);

  function template(message: MessageKey | MessageRef, given: Params | undefined): { text: string; params: Params } {
    const key = typeof message === 'string' ? message : message.key;
    const params = typeof message === 'string' ? (given ?? {}) : { ...message.params, ...given };
    const entry = messages[key];
    if (entry === undefined) throw new Error(`no message "${key}" in the ${locale} catalog`);
    if (typeof entry === 'string') return { text: entry, params };
    const count = Number(params.count);
    return { text: entry[plurals.select(count)] ?? entry.other, params };
  }

  const fill = (text: string, params: Params) =>
    text.replace(placeholder, (whole, name: string) => {
      const value = params[name];
      if (value === undefined) return whole;
      if (typeof value === 'number') return numbers.format(value);
      return typeof value === 'string' ? value : self.t(value);
    });

  function open(element: MarkElement): { start: string; end: string } {
    const { tag, attributes } = typeof element === 'string' ? { tag: 'a', attributes: { href: element } } : element;
    const attrs = Object.entries(attributes ?? {})
      .filter(([name]) => attributeName.test(name))
      .map(([name, value]) => ` ${name}="${escapeHtml(value)}"`)
      .join('');
    return { start: `<${tag}${attrs}>`, end: `</${tag}>` };
  }

  const self: Messages = {
    locale,
    lang: meta.lang,
    dateLocale: meta.dateLocale,
    t(message, given) {
      const { text, params } = template(message, given);
      // Marks go before the values are put in: a value (an email) is never read as a mark.
      return fill(text.replace(mark, (_whole, _name: string, inner: string) => inner), params);
    },
    html(message, given, elements = {}) {
      const { text, params } = template(message, given);
      let out = '';
      let last = 0;
      for (const m of text.matchAll(mark)) {
        out += escapeHtml(fill(text.slice(last, m.index), params));
        const name = m[1]!;
        const element = Object.hasOwn(elements, name) ? elements[name] : name === 'strong' ? { tag: 'strong' as const } : undefined;
        const inner = escapeHtml(fill(m[2]!, params));
        if (element === undefined) out += inner;
        else {
          const { start, end } = open(element);
          out += `${start}${inner}${end}`;
        }
        last = m.index + m[0].length;
      }
      return out + escapeHtml(fill(text.slice(last), params));
    },
    formatDate: (value) => day.format(asDate(value)),
    formatDateTime: (value) => moment.format(asDate(value)),
    wait(seconds) {
      if (seconds < 60 * 60) return self.t('common.minutes', { count: Math.max(1, Math.ceil(seconds / 60)) });
      return self.t('common.hours', { count: Math.ceil(seconds / 3600) });
    },
  };
  return Object.freeze(self);
}

/**
 * Puts the messages where every view finds them: `it.t(key, params)`, `it.tHtml(key,
 * params, elements)` (for `<%~ %>`: it escapes everything itself), `it.lang` for `<html
 * lang>`, and `it.formatDate` / `it.formatDateTime` in the LOCALE's words. `dateLocale` is
 * for the presentation's locals (src/admin/presentation.controller.ts), which give each page
 * the same formats in the publisher's time zone.
 */
export function useMessages(app: Express, messages: Messages): void {
  app.locals.t = messages.t;
  app.locals.tHtml = messages.html;
  app.locals.lang = messages.lang;
  app.locals.dateLocale = messages.dateLocale;
  app.locals.formatDate = messages.formatDate;
  app.locals.formatDateTime = messages.formatDateTime;
}
