import { isComment, isTag, isText, type AnyNode, type Element, type ParentNode } from 'domhandler';
import { hasPhrase, matches, phraseHashesOf, type FingerprintSet } from './fingerprints';
import type { PageEdits } from './page-edits';
import { blockRuns, htmlToText, type Skip } from './source-dom';

/** What counts as carrying text Gatehouse must not send. */
export interface LeakRules {
  /** A block run of an element's text, a comment, a script's text. */
  readonly text: (text: string) => boolean;
  /** An attribute value or a description: short texts, where a shared phrase is enough. */
  readonly value: (text: string) => boolean;
}

/** Words in a phrase that marks a short text (a description) as quoting the rest of an article. */
const phraseLength = 4;

/**
 * The rules for one article's cut: a fingerprint of the rest anywhere, and for short texts
 * any four-word phrase of the rest that the lead-in does not also contain (a description
 * written from the article's later paragraphs).
 */
export function restLeakRules(rest: FingerprintSet, restTexts: readonly string[], leadInTexts: readonly string[]): LeakRules {
  const leadPhrases = phraseHashesOf(leadInTexts, phraseLength);
  const restOnly = new Set([...phraseHashesOf(restTexts, phraseLength)].filter((p) => !leadPhrases.has(p)));
  const text = (t: string) => matches(t, rest);
  const value = (t: string) => text(t) || hasPhrase(t, phraseLength, restOnly);
  return { text, value };
}

/** The rules of the second line of defence: a fingerprint of any gated article. */
export function setLeakRules(set: FingerprintSet): LeakRules {
  const text = (t: string) => matches(t, set);
  return { text, value: text };
}

export interface ScrubOptions {
  /** The article body being cut: left alone (its children are replaced whole). */
  readonly opaque?: Element;
  /** Elements inside `opaque` that are sent (the lead-in), whose attributes and comments are still checked. */
  readonly sent?: readonly Element[];
  /** The cut drops every `<noscript>`: they are where pages keep a full copy for readers without JavaScript. */
  readonly dropNoscript: boolean;
}

const descriptionKeys = new Set(['description', 'og:description', 'twitter:description']);
/** Attributes that hold addresses and names, not prose: a slug's words are not the article's sentences. */
const notProse = new Set(['href', 'src', 'srcset', 'action', 'id', 'class', 'style', 'rel', 'type', 'name', 'property', 'lang', 'for', 'role']);

export function isJsonLd(node: AnyNode): node is Element {
  return isTag(node) && node.name === 'script' && (node.attribs.type ?? '').trim().toLowerCase() === 'application/ld+json';
}

function isScript(node: AnyNode): node is Element {
  return isTag(node) && node.name === 'script';
}

/** Removes from the page every element, comment, script and attribute that carries leaking text. */
export function scrubPage(edits: PageEdits, rules: LeakRules, options: ScrubOptions): void {
  // A <noscript> the cut drops whole is not searched for smaller leaking parts: searching a full copy would walk it once per level.
  const skip: Skip = (node) =>
    node === options.opaque || edits.removed.has(node) || (isTag(node) && (node.name === 'script' || node.name === 'style' || (options.dropNoscript && node.name === 'noscript')));
  removeLeakingBlocks(edits, edits.dom.root, rules, options.opaque, skip);
  const visit = (node: AnyNode): void => {
    if (edits.removed.has(node)) return;
    if (node === options.opaque) {
      scrubAttributes(edits, node as Element, rules);
      return;
    }
    if (isComment(node)) {
      if (rules.text(node.data)) edits.remove(node);
    } else if (isTag(node)) {
      if (scrubElement(edits, node, rules, options)) return;
      node.children.forEach(visit);
    } else if (node.type === 'root') {
      (node as ParentNode).children.forEach(visit);
    }
  };
  visit(edits.dom.root);
  for (const element of options.sent ?? []) visit(element);
}

/** Checks one element's own content and attributes; true when it was removed. */
function scrubElement(edits: PageEdits, element: Element, rules: LeakRules, options: ScrubOptions): boolean {
  if ((options.dropNoscript && element.name === 'noscript') || (isScript(element) && !isJsonLd(element) && scriptLeaks(element, rules))) {
    edits.remove(element);
    return true;
  }
  if (element.name === 'meta') {
    const key = (element.attribs.name ?? element.attribs.property ?? '').toLowerCase();
    const content = element.attribs.content ?? '';
    if ((descriptionKeys.has(key) && rules.value(content)) || rules.text(content)) {
      edits.remove(element);
      return true;
    }
  }
  scrubAttributes(edits, element, rules);
  return false;
}

function scrubAttributes(edits: PageEdits, element: Element, rules: LeakRules): void {
  const { attribs } = element;
  for (const name in attribs) {
    const value = attribs[name]!;
    if (!notProse.has(name) && value.includes(' ') && rules.value(value)) delete edits.attributesOf(element)[name];
  }
}

/** Elements that hold the page together, or hold the article body: searched inside, never removed. */
function isStructural(element: Element, opaque: Element | undefined): boolean {
  if (element.name === 'html' || element.name === 'head' || element.name === 'body') return true;
  for (let current: AnyNode | null = opaque ?? null; current !== null; current = current.parent) if (current === element) return true;
  return false;
}

/**
 * Removes the smallest elements whose text still leaks once what leaks inside them is gone:
 * a print copy's paragraphs go, a wrapper that also holds a sentence of the rest goes with
 * them, the page around them stays. A subtree whose text does not leak is not searched.
 */
function removeLeakingBlocks(edits: PageEdits, node: ParentNode, rules: LeakRules, opaque: Element | undefined, skip: Skip): void {
  const leaks = (n: AnyNode) => blockRuns(n, skip).some(rules.text);
  for (const child of node.children) {
    if (skip(child)) continue;
    // Loose text is removed on its own only where its parent must stay.
    if (isText(child) && (node.type === 'root' || isStructural(node as Element, opaque)) && rules.text(child.data)) edits.remove(child);
    if (!isTag(child) || !leaks(child)) continue;
    removeLeakingBlocks(edits, child, rules, opaque, skip);
    if (!isStructural(child, opaque) && leaks(child)) edits.remove(child);
  }
}

function scriptLeaks(script: Element, rules: LeakRules): boolean {
  return scriptTexts(script).some(rules.text);
}

/**
 * A script's text as a reader's browser would see it: JSON strings and JavaScript string
 * escapes decoded, and HTML inside them reduced to text, so `"don\u2019t"` or
 * `"<p>It was<\/p>"` match the paragraph they copy. The raw text is checked too, in case
 * reading it as HTML swallows part of it.
 */
export function scriptTexts(script: Element): string[] {
  const raw = script.children.map((c) => (isText(c) ? c.data : '')).join('');
  if (raw.trim() === '') return [];
  const unescaped = unescapeScript(raw);
  return [raw, unescaped, htmlToText(unescaped)];
}

function unescapeScript(text: string): string {
  return text.replace(/\\(?:u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|([^ux]))/g, (_m, u?: string, x?: string, other?: string) => {
    if (u !== undefined || x !== undefined) return String.fromCharCode(parseInt((u ?? x)!, 16));
    return other === 'n' || other === 'r' || other === 't' ? ' ' : other!;
  });
}
