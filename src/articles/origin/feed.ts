import { isTag, isText, type AnyNode, type Element } from 'domhandler';
import { PageEdits, plain } from './page-edits';
import { htmlToText, parseSource, textOf, type SourceDom } from './source-dom';

/**
 * Feeds carry whole articles (WordPress puts every post's full HTML in `content:encoded`),
 * and a feed has no reader to decide for: an item of a gated article is always cut to its
 * lead-in. Only the text elements of each item are rewritten; the rest of the feed, its
 * namespaces and order are the origin's bytes.
 */

/** What Gatehouse knows of an item's article; undefined when it is not a known article. */
export type FeedItemOf = (link: string) => { readonly gated: boolean; readonly leadInHtml: string } | undefined;

function items(dom: SourceDom): Element[] {
  const found: Element[] = [];
  const visit = (node: AnyNode): void => {
    if (!isTag(node) && node.type !== 'root') return;
    for (const child of (node as Element).children) {
      if (isTag(child) && (localName(child) === 'item' || localName(child) === 'entry')) found.push(child);
      else visit(child);
    }
  };
  visit(dom.root);
  return found;
}

function localName(element: Element): string {
  return element.name.slice(element.name.indexOf(':') + 1).toLowerCase();
}

/** The item's permalink: RSS `<link>`, Atom `<link rel="alternate" href>`, RDF `rdf:about`, else a permalink `<guid>`. */
function linkOf(item: Element): string | undefined {
  const children = item.children.filter(isTag);
  for (const child of children) {
    if (localName(child) !== 'link') continue;
    const rel = child.attribs.rel ?? 'alternate';
    if (child.attribs.href !== undefined && rel === 'alternate') return child.attribs.href.trim();
    const text = textOf(child).trim();
    if (text !== '') return text;
  }
  if (item.attribs['rdf:about'] !== undefined) return item.attribs['rdf:about'].trim();
  const guid = children.find((c) => localName(c) === 'guid' && c.attribs.isPermaLink !== 'false');
  return guid === undefined ? undefined : textOf(guid).trim() || undefined;
}

/** An item's elements that carry the article's text: RSS description and content:encoded, Atom content and summary. */
function isTextElement(element: Element): boolean {
  const name = localName(element);
  if (name === 'description' || name === 'summary' || name === 'encoded') return true;
  // media:content is an enclosure, not text.
  return name === 'content' && (element.name === 'content' || element.name.startsWith('atom:'));
}

/** RSS 2.0 and Atom: the items' links (absolute URLs as written). */
export function feedItemLinks(xml: string): string[] {
  return items(parseSource(xml, { xmlMode: true })).flatMap((item) => linkOf(item) ?? []);
}

function cdata(html: string): string {
  return `<![CDATA[${html.split(']]>').join(']]]]><![CDATA[>')}]]>`;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Writes `html` into a text element as its type wants: HTML in CDATA, or plain text for an
 * Atom element typed text (the default for Atom). Atom `xhtml` content becomes `html`, since
 * the lead-in is HTML, not XHTML.
 */
function writeText(edits: PageEdits, element: Element, html: string): void {
  const atom = localName(element) === 'content' || localName(element) === 'summary';
  const type = (element.attribs.type ?? (atom ? 'text' : 'html')).toLowerCase();
  if (element.attribs.src !== undefined) return;
  if (type === 'xhtml') edits.attributesOf(element).type = 'html';
  const body = html === '' ? '' : type === 'text' ? escapeXml(htmlToText(html).trim()) : cdata(html);
  edits.replaceChildren(element, [body]);
}

/**
 * Replaces each gated item's full text (content:encoded, description, atom content/summary)
 * by its lead-in HTML; items `itemOf` does not know (or without a link) lose that text
 * entirely. Free items are untouched.
 */
export function cutFeed(xml: string, itemOf: FeedItemOf): string {
  const dom = parseSource(xml, { xmlMode: true });
  const edits = new PageEdits(dom);
  for (const item of items(dom)) {
    const link = linkOf(item);
    const known = link === undefined ? undefined : itemOf(link);
    if (known !== undefined && !known.gated) continue;
    for (const element of item.children.filter(isTag).filter(isTextElement)) {
      const empty = element.children.every((c) => isText(c) && c.data.trim() === '');
      if (!empty || known !== undefined) writeText(edits, element, known?.leadInHtml ?? '');
    }
  }
  return plain(edits.template());
}
