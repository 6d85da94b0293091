import { isComment, isTag, type AnyNode, type Element } from 'domhandler';
import { leadInEnd } from '../article';
import { blockRuns, descendants, textOf, type Skip } from './source-dom';
import type { OriginCms } from '../../config/config';

/** A `<p>` inside one of these is part of a quote, list, table, figure..., not a paragraph of the article. */
const notParagraphContainers = new Set(['blockquote', 'ul', 'ol', 'table', 'figure', 'aside', 'details', 'pre', 'noscript', 'template']);

/** The element holding an origin article, read for the cut. */
export interface ArticleBody {
  readonly element: Element;
  /** The body's own paragraphs, in order. */
  readonly paragraphs: readonly Element[];
  /** How many paragraphs come before the first "read more" marker; every one when there is none. */
  readonly beforeMarker: number;
}

export function readBody(element: Element, cms: OriginCms): ArticleBody {
  const paragraphs: Element[] = [];
  const visit = (node: Element): void => {
    for (const child of node.children) {
      if (!isTag(child) || notParagraphContainers.has(child.name)) continue;
      if (child.name === 'p') paragraphs.push(child);
      else visit(child);
    }
  };
  visit(element);
  const marker = firstMarker(element, cms);
  const beforeMarker = marker === undefined ? paragraphs.length : paragraphs.filter((p) => p.endIndex! < marker.startIndex!).length;
  return { element, paragraphs, beforeMarker };
}

/** `<!--more-->` (WordPress, also with a custom "read more" text), `<!--members-only-->` (Ghost), and WordPress's rendered `<span id="more-N">`. */
function firstMarker(element: Element, cms: OriginCms): AnyNode | undefined {
  for (const node of descendants(element)) {
    if (isComment(node)) {
      const text = node.data.trim();
      if (text === 'members-only' || text === 'more' || text.startsWith('more ')) return node;
    } else if (cms === 'wordpress' && isTag(node) && node.name === 'span' && /^more-\d+$/.test(node.attribs.id ?? '')) {
      return node;
    }
  }
  return undefined;
}

/**
 * How many paragraphs the lead-in has: the Markdown source's rule (at most `teaser`, never
 * all of them), computed by the same function so the two sources cannot drift, and stopping
 * at a marker that comes first.
 */
export function leadInCount(body: ArticleBody, teaser: number): number {
  const blocks = body.paragraphs.map(() => ({ html: '', isParagraph: true }));
  return Math.min(leadInEnd({ blocks }, teaser), body.beforeMarker);
}

/** The text of the article a reader at the gate is not sent: every block run of the body outside the lead-in. */
export function restTexts(body: ArticleBody, leadIn: readonly Element[]): string[] {
  const sent = new Set<AnyNode>(leadIn);
  const skip: Skip = (node) => sent.has(node) || (isTag(node) && (node.name === 'script' || node.name === 'style'));
  return blockRuns(body.element, skip);
}

/** The text of the lead-in paragraphs. */
export function leadInTexts(leadIn: readonly Element[]): string[] {
  return leadIn.map((p) => textOf(p));
}
