import { isDirective } from 'domhandler';
import { escapeAttribute, PageEdits } from './page-edits';
import { selectFirst, textOf, type SourceDom } from './source-dom';

/** What Gatehouse adds to every origin page it renders, wherever the origin put things. */
export interface FrameOptions {
  readonly accountBarSelector: string | undefined;
  readonly stylesheetHrefs: readonly string[];
  /** ORIGIN_URL's and PUBLIC_URL's origins: links the CMS writes to its own address go to the public one. */
  readonly linkOrigins?: { readonly from: string; readonly to: string };
}

/** Elements and attributes that hold a URL a reader follows or loads. */
const linkAttributes: Readonly<Record<string, readonly string[]>> = {
  a: ['href'],
  area: ['href'],
  link: ['href'],
  form: ['action'],
  img: ['src', 'srcset', 'data-src', 'data-srcset'],
  source: ['src', 'srcset'],
  script: ['src'],
  iframe: ['src'],
  video: ['src', 'poster'],
  audio: ['src'],
  meta: ['content'],
};

/**
 * A CMS whose address is still its internal one (WordPress's "Site Address") writes every link
 * to that address; a reader who followed one would leave Gatehouse, and its gate, behind. They
 * are rewritten to PUBLIC_URL (absolute and protocol-relative forms).
 */
function rewriteLinks(dom: SourceDom, edits: PageEdits, origins: { readonly from: string; readonly to: string }): void {
  const from = new URL(origins.from);
  const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // Either scheme: an http origin is often linked as https (and the reverse) by its own pages.
  const pattern = new RegExp(`(?:https?:)?//${escaped(from.host)}(?=[/?#"'\\s,]|$)`, 'gi');
  const to = origins.to.replace(/\/$/, '');
  for (const [name, attributes] of Object.entries(linkAttributes)) {
    for (const element of dom.elementsNamed(name)) {
      for (const attribute of attributes) {
        const value = element.attribs[attribute];
        if (value === undefined || !value.toLowerCase().includes(from.host.toLowerCase())) continue;
        pattern.lastIndex = 0;
        edits.attributesOf(element)[attribute] = value.replace(pattern, to);
      }
    }
  }
}

/** Where content appended to `<head>` goes: before `</head>`, else after `<html>`, else after the doctype. */
export function headEnd(dom: SourceDom): number {
  const head = dom.elementsNamed('head')[0];
  if (head !== undefined) return dom.closeStart(head);
  const html = dom.elementsNamed('html')[0];
  if (html !== undefined) return dom.openEnd(html);
  const doctype = dom.root.children.find(isDirective);
  return doctype === undefined ? 0 : doctype.endIndex! + 1;
}

/** A page's edits with Gatehouse's stylesheet linked and a slot for its account bar. */
export function frameEdits(dom: SourceDom, options: FrameOptions): PageEdits {
  const edits = new PageEdits(dom);
  edits.insert(headEnd(dom), options.stylesheetHrefs.map((href) => `<link rel="stylesheet" href="${escapeAttribute(href)}">`));
  const configured = options.accountBarSelector === undefined ? undefined : selectFirst(options.accountBarSelector, dom.root);
  const target = configured ?? dom.elementsNamed('body')[0];
  edits.insert(target === undefined ? headEnd(dom) : dom.openEnd(target), [{ slot: 'accountBar' }]);
  if (options.linkOrigins !== undefined && options.linkOrigins.from !== options.linkOrigins.to) rewriteLinks(dom, edits, options.linkOrigins);
  return edits;
}

/** The page's `<meta>` contents by lower-cased name or property; the first of each wins. */
export function metaOf(dom: SourceDom): ReadonlyMap<string, string> {
  const meta = new Map<string, string>();
  for (const element of dom.elementsNamed('meta')) {
    const key = (element.attribs.name ?? element.attribs.property ?? '').toLowerCase();
    const content = element.attribs.content;
    if (key !== '' && content !== undefined && !meta.has(key)) meta.set(key, content);
  }
  return meta;
}

/** Text with whitespace runs collapsed, as a title is shown. */
export function collapsed(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

export function textOfFirst(tagName: string, dom: SourceDom): string | undefined {
  const element = dom.elementsNamed(tagName)[0];
  return element === undefined ? undefined : collapsed(textOf(element));
}

/** A host only ever written in this placeholder stands for "relative to the request". */
const relativeHost = 'gatehouse.invalid';

/**
 * The path of a link when it points at this site (relative, or absolute on one of `hosts`),
 * without query or fragment; undefined for links elsewhere.
 */
export function localPath(href: string, requestPath: string, hosts: readonly string[]): string | undefined {
  let url: URL;
  try {
    url = new URL(href.trim(), `http://${relativeHost}${requestPath.startsWith('/') ? requestPath : `/${requestPath}`}`);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  const host = url.host.toLowerCase();
  return host === relativeHost || hosts.some((h) => h.toLowerCase() === host) ? url.pathname : undefined;
}
