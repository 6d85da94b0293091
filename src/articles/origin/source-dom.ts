import { selectAll, selectOne } from 'css-select';
import { Parser } from 'htmlparser2';
import { DomHandler, Element, isTag, isText, type AnyNode, type Document } from 'domhandler';

/**
 * An origin document parsed once, keeping where every element's start and end tags sit in
 * the source. Gatehouse renders a page by splicing the origin's own bytes around the few
 * places it changes, so everything it does not change reaches the reader exactly as the
 * origin wrote it (entities, attribute quoting, whitespace), and a render is string joining.
 */
export interface SourceDom {
  readonly source: string;
  readonly root: Document;
  /** Index just past the element's start tag. */
  openEnd(element: Element): number;
  /** Index of the element's end tag, or where it would be when the end tag is implied. */
  closeStart(element: Element): number;
  /** Every element with this (lower-case) tag name, in document order: what `select(name)` finds, without searching. */
  elementsNamed(name: string): readonly Element[];
}

interface Position {
  readonly startIndex: number | null;
  readonly endIndex: number | null;
}

interface TagBounds {
  openEnd: number;
  closeStart: number;
}

/**
 * DomHandler records only the outer bounds of an element, and for an implied end tag (`<p>a<p>b`)
 * it records the next tag's position, which would overlap the next element; this handler
 * records the inner bounds and corrects the outer end of implied closes.
 */
class BoundsHandler extends DomHandler {
  readonly bounds = new Map<Element, TagBounds>();
  /** Elements by tag name in the order their start tags come, which is document order; collected while parsing, so the page's fixed look-ups need no walk of the tree. */
  readonly byName = new Map<string, Element[]>();
  /** DomHandler keeps its parser private; positions are read from our own reference to it. */
  #at: Position = { startIndex: 0, endIndex: 0 };

  override onparserinit(parser: Parameters<DomHandler['onparserinit']>[0]): void {
    super.onparserinit(parser);
    this.#at = parser;
  }

  override onopentag(name: string, attribs: Record<string, string>): void {
    const openEnd = this.#at.endIndex! + 1;
    super.onopentag(name, attribs);
    const element = this.tagStack[this.tagStack.length - 1] as Element;
    this.bounds.set(element, { openEnd, closeStart: openEnd });
    const named = this.byName.get(element.name);
    if (named === undefined) this.byName.set(element.name, [element]);
    else named.push(element);
  }

  override onclosetag(_name?: string, isImplied?: boolean): void {
    const element = this.tagStack[this.tagStack.length - 1] as Element;
    const bounds = this.bounds.get(element);
    const closeStart = this.#at.startIndex!;
    super.onclosetag();
    if (bounds === undefined) return;
    if (isImplied === true) {
      const last = element.children[element.children.length - 1];
      bounds.closeStart = last?.endIndex != null ? last.endIndex + 1 : bounds.openEnd;
      element.endIndex = bounds.closeStart - 1;
    } else {
      bounds.closeStart = closeStart;
    }
  }
}

/** Parses HTML (or XML for feeds) with entities decoded in text and attributes. */
export function parseSource(source: string, options: { readonly xmlMode?: boolean } = {}): SourceDom {
  const handler = new BoundsHandler(undefined, { withStartIndices: true, withEndIndices: true, xmlMode: options.xmlMode ?? false });
  new Parser(handler, { decodeEntities: true, xmlMode: options.xmlMode ?? false, recognizeCDATA: true }).end(source);
  const boundsOf = (element: Element): TagBounds => {
    const bounds = handler.bounds.get(element);
    if (bounds === undefined) throw new Error(`element <${element.name}> has no source position`);
    return bounds;
  };
  return {
    source,
    root: handler.root,
    openEnd: (element) => boundsOf(element).openEnd,
    closeStart: (element) => boundsOf(element).closeStart,
    elementsNamed: (name) => handler.byName.get(name) ?? [],
  };
}

/** Elements that break text into separate runs: words on either side of them are not one word. */
const blockTags = new Set([
  'address', 'article', 'aside', 'blockquote', 'br', 'dd', 'details', 'dialog', 'div', 'dl', 'dt', 'fieldset',
  'figcaption', 'figure', 'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hgroup', 'hr', 'li',
  'main', 'nav', 'ol', 'p', 'pre', 'section', 'summary', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr',
  'ul', 'noscript', 'template', 'textarea', 'option', 'caption', 'body', 'head', 'html', 'title', 'script', 'style',
]);

export function isBlock(node: AnyNode): node is Element {
  return isTag(node) && blockTags.has(node.name);
}

/** What text extraction leaves out: removed nodes, the article body while it is being cut, scripts. */
export type Skip = (node: AnyNode) => boolean;

/** The text of a node, with a space wherever a block element starts or ends. */
export function textOf(node: AnyNode, skip: Skip = () => false): string {
  const parts: string[] = [];
  const visit = (current: AnyNode): void => {
    if (skip(current)) return;
    if (isText(current)) parts.push(current.data);
    else if (isTag(current) || current.type === 'root' || current.type === 'cdata') {
      const block = isBlock(current);
      if (block) parts.push(' ');
      for (const child of (current as Element).children) visit(child);
      if (block) parts.push(' ');
    }
  };
  visit(node);
  return parts.join('');
}

/**
 * The text of a subtree cut into runs at block boundaries: one string per paragraph, list item,
 * heading... the units fingerprints are taken of.
 */
export function blockRuns(node: AnyNode, skip: Skip = () => false): string[] {
  const runs: string[] = [];
  let current = '';
  const flush = (): void => {
    const run = current.trim();
    if (run !== '') runs.push(run);
    current = '';
  };
  const visit = (n: AnyNode): void => {
    if (skip(n)) return;
    if (isText(n)) current += n.data;
    else if (isTag(n) || n.type === 'root' || n.type === 'cdata') {
      const block = isBlock(n);
      if (block) flush();
      for (const child of (n as Element).children) visit(child);
      if (block) flush();
    }
  };
  visit(node);
  flush();
  return runs;
}

/** The plain text of an HTML fragment (a JSON string, a feed item): tags dropped, entities decoded. */
export function htmlToText(html: string): string {
  if (!html.includes('<') && !html.includes('&')) return html;
  return textOf(parseSource(html).root);
}

/** Every node under `node` in document order, `node` first. */
export function* descendants(node: AnyNode): Generator<AnyNode> {
  // A stack, not nested generators: with `yield*` every node would pass up through a generator per ancestor.
  const stack: AnyNode[] = [node];
  for (let current = stack.pop(); current !== undefined; current = stack.pop()) {
    yield current;
    if ('children' in current) for (let i = current.children.length - 1; i >= 0; i -= 1) stack.push(current.children[i]!);
  }
}

/** True when `node` is `ancestor` or inside it. */
export function isWithin(node: AnyNode, ancestor: AnyNode): boolean {
  for (let current: AnyNode | null = node; current !== null; current = current.parent) if (current === ancestor) return true;
  return false;
}


/** css-select over a parsed page, typed for domhandler (its generics otherwise infer the root's type). */
export function select(selector: string, root: AnyNode): Element[] {
  return selectAll<AnyNode, Element>(selector, root);
}

export function selectFirst(selector: string, root: AnyNode): Element | undefined {
  return selectOne<AnyNode, Element>(selector, root) ?? undefined;
}
