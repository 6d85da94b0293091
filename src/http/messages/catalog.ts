/**
 * The shape of a message catalog (src/http/messages/en.ts is the reference; every other
 * catalog has exactly its keys, which TypeScript checks with `satisfies`).
 *
 * A message is a string, or plural forms chosen by `Intl.PluralRules` on its `{count}`:
 * `{ one: '{count} free article', other: '{count} free articles' }`. Each catalog gives the
 * forms its language uses (German: one, other; Polish would add few and many); `other` is
 * always there, the form any category without its own falls back to.
 *
 * Placeholders are `{name}`. Marks `<name>…</name>` (no nesting) say where a link or an
 * emphasis goes: `Messages.t` drops the marks and keeps their text (what the consent records
 * store), `Messages.html` makes them the elements the view gives.
 */
export interface PluralForms {
  readonly zero?: string;
  readonly one?: string;
  readonly two?: string;
  readonly few?: string;
  readonly many?: string;
  readonly other: string;
}

export type MessageText = string | PluralForms;

export type Catalog = Readonly<Record<string, MessageText>>;

/** What a catalog is besides its messages: the language it is in. */
export interface CatalogMeta {
  /** `<html lang>` and the locale `Intl` formats dates, numbers and plurals for (BCP 47). */
  readonly lang: string;
  /** The tag Intl.DateTimeFormat uses (en: en-GB, "20 November 2026", as the site always wrote dates). */
  readonly dateLocale: string;
}
