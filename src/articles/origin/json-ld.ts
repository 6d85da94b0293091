import { isText, type Element } from 'domhandler';
import { paywalledClass } from '../article-page';
import type { FingerprintSet } from './fingerprints';
import { scrubJson } from './json-scrub';
import { htmlToText } from './source-dom';

/** schema.org types Google reads paywall markup on (CreativeWork's article family). */
const articleTypes = new Set([
  'Article', 'NewsArticle', 'BlogPosting', 'Report', 'AnalysisNewsArticle', 'AskPublicNewsArticle', 'BackgroundNewsArticle',
  'OpinionNewsArticle', 'ReportageNewsArticle', 'ReviewNewsArticle', 'LiveBlogPosting', 'ScholarlyArticle', 'TechArticle',
  'SocialMediaPosting', 'SatiricalArticle', 'AdvertiserContentArticle',
]);
const pageTypes = new Set(['WebPage']);

/** Keys that hold an article's full text: never sent to a reader at the gate. */
const fullTextKeys = new Set(['articleBody', 'text']);

/** One `<script type="application/ld+json">` of the origin page, parsed once. */
export interface JsonLdScript {
  readonly element: Element;
  /** undefined when the origin's JSON does not parse. */
  readonly value: unknown;
}

export function readJsonLd(element: Element): JsonLdScript {
  const text = element.children.map((c) => (isText(c) ? c.data : '')).join('');
  try {
    return { element, value: JSON.parse(text) as unknown };
  } catch {
    return { element, value: undefined };
  }
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function typeIn(object: Json, types: ReadonlySet<string>): boolean {
  const type = object['@type'];
  const names = Array.isArray(type) ? type : [type];
  return names.some((name) => typeof name === 'string' && types.has(name.replace(/^(https?:\/\/)?schema\.org\//, '')));
}

/** Maps every object in a JSON-LD value (top level, arrays, `@graph`, nested) through `change`. */
function mapObjects(value: unknown, change: (object: Json) => Json): unknown {
  if (Array.isArray(value)) return value.map((item) => mapObjects(item, change));
  if (!isObject(value)) return value;
  return change(Object.fromEntries(Object.entries(value).map(([key, item]) => [key, mapObjects(item, change)])));
}

function someObject(value: unknown, test: (object: Json) => boolean): boolean {
  if (Array.isArray(value)) return value.some((item) => someObject(item, test));
  return isObject(value) && (test(value) || Object.values(value).some((item) => someObject(item, test)));
}

/** Which objects get the paywall markup: the articles, or the page when the origin describes no article. */
export function paywallTarget(scripts: readonly JsonLdScript[]): 'article' | 'page' | 'none' {
  if (scripts.some((s) => someObject(s.value, (o) => typeIn(o, articleTypes)))) return 'article';
  if (scripts.some((s) => someObject(s.value, (o) => typeIn(o, pageTypes)))) return 'page';
  return 'none';
}

const hasPart = { '@type': 'WebPageElement', isAccessibleForFree: false, cssSelector: `.${paywalledClass}` };

/** Adds `isAccessibleForFree: false` and `hasPart` to the target objects, as Google asks of paywalled pages. */
export function withPaywall(value: unknown, target: 'article' | 'page'): unknown {
  const types = target === 'article' ? articleTypes : pageTypes;
  return mapObjects(value, (object) => (typeIn(object, types) ? { ...object, isAccessibleForFree: false, hasPart } : object));
}

/**
 * Removes the article's text for a reader at the gate: `articleBody` and `text` everywhere,
 * a `description` that quotes the rest, and any other string carrying a fingerprint of it.
 */
export function withoutRest(value: unknown, rest: FingerprintSet, descriptionLeaks: (text: string) => boolean): unknown {
  const cut = mapObjects(value, (object) =>
    Object.fromEntries(
      Object.entries(object).filter(
        ([key, item]) => !fullTextKeys.has(key) && !(key === 'description' && typeof item === 'string' && descriptionLeaks(htmlToText(item))),
      ),
    ),
  );
  return scrubJson(cut, rest);
}

/** The paywall markup for a page whose origin gave no JSON-LD article. */
export function standaloneArticle(headline: string, identity: string): unknown {
  return {
    '@context': 'https://schema.org',
    '@type': 'NewsArticle',
    headline,
    mainEntityOfPage: identity,
    isAccessibleForFree: false,
    hasPart,
  };
}

/** JSON for inside a `<script>`: escaping "<" keeps a string from closing the element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}
