import type { AnyNode, Element } from 'domhandler';
import type { SourceDom } from './source-dom';

/** The per-reader parts of a page, filled in at render time. */
export type Slot = 'accountBar' | 'notice' | 'gate';
export type Piece = string | { readonly slot: Slot };
/** A page prepared for one kind of view: the origin's bytes with holes for the per-reader parts. */
export type Template = readonly Piece[];

interface Edit {
  readonly start: number;
  readonly end: number;
  readonly pieces: readonly Piece[];
  readonly order: number;
}

/**
 * The changes Gatehouse makes to an origin page, as splices of its source. Removing a node
 * inside one already removed or replaced is a no-op, so each rule can be written without
 * knowing what the others did.
 */
export class PageEdits {
  readonly #edits: Edit[] = [];
  readonly #attributes = new Map<Element, Record<string, string>>();
  readonly removed = new Set<AnyNode>();

  constructor(readonly dom: SourceDom) {}

  /** An independent copy, so edits made once (the scrub) can be the start of several templates. */
  copy(): PageEdits {
    const copy = new PageEdits(this.dom);
    copy.#edits.push(...this.#edits);
    for (const [element, attributes] of this.#attributes) copy.#attributes.set(element, { ...attributes });
    for (const node of this.removed) copy.removed.add(node);
    return copy;
  }

  insert(at: number, pieces: readonly Piece[]): void {
    this.#push(at, at, pieces);
  }

  remove(node: AnyNode): void {
    this.removed.add(node);
    this.#push(node.startIndex!, node.endIndex! + 1, []);
  }

  replaceChildren(element: Element, pieces: readonly Piece[]): void {
    this.#push(this.dom.openEnd(element), this.dom.closeStart(element), pieces);
  }

  /** The element's attributes to write in place of its start tag; edit the returned record. */
  attributesOf(element: Element): Record<string, string> {
    let attributes = this.#attributes.get(element);
    if (attributes === undefined) {
      attributes = { ...element.attribs };
      this.#attributes.set(element, attributes);
    }
    return attributes;
  }

  /** True when the node, or an ancestor, has been removed. */
  isRemoved(node: AnyNode): boolean {
    for (let current: AnyNode | null = node; current !== null; current = current.parent) if (this.removed.has(current)) return true;
    return false;
  }

  /** The source between `start` and `end` with the edits inside it applied. */
  template(start = 0, end = this.dom.source.length): Template {
    const edits = [...this.#edits, ...this.#startTags()]
      .filter((e) => e.start >= start && e.end <= end)
      // Earlier first; at one position, insertions before ranges and wider ranges before the ranges inside them.
      .sort((a, b) => a.start - b.start || Number(a.end > a.start) - Number(b.end > b.start) || b.end - a.end || a.order - b.order);
    const pieces: Piece[] = [];
    let cursor = start;
    for (const edit of edits) {
      if (edit.start < cursor) continue;
      pieces.push(this.dom.source.slice(cursor, edit.start), ...edit.pieces);
      cursor = edit.end;
    }
    pieces.push(this.dom.source.slice(cursor, end));
    return compact(pieces);
  }

  #startTags(): Edit[] {
    return [...this.#attributes].map(([element, attributes], i) => ({
      start: element.startIndex!,
      end: this.dom.openEnd(element),
      pieces: [startTag(element.name, attributes, this.dom.source[this.dom.openEnd(element) - 2] === '/')],
      order: this.#edits.length + i,
    }));
  }

  #push(start: number, end: number, pieces: readonly Piece[]): void {
    this.#edits.push({ start, end, pieces, order: this.#edits.length });
  }
}

/** Only `&` and `"` need escaping inside a double-quoted attribute value. */
/** A value as it may stand between double quotes in a start tag. */
export function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

function startTag(name: string, attributes: Record<string, string>, selfClosing: boolean): string {
  const written = Object.entries(attributes).map(([key, value]) => ` ${key}="${escapeAttribute(value)}"`);
  return `<${name}${written.join('')}${selfClosing ? ' />' : '>'}`;
}

/** Joins neighbouring strings, so a render joins as few parts as possible. */
function compact(pieces: readonly Piece[]): Template {
  const out: Piece[] = [];
  for (const piece of pieces) {
    const last = out[out.length - 1];
    if (typeof piece === 'string' && typeof last === 'string') out[out.length - 1] = last + piece;
    else if (piece !== '') out.push(piece);
  }
  return out;
}

/** A template filled for one reader. */
export function fill(template: Template, slots: Readonly<Record<Slot, string>>): string {
  let out = '';
  for (const piece of template) out += typeof piece === 'string' ? piece : slots[piece.slot];
  return out;
}

/**
 * A template with its fixed parts already UTF-8: a view then copies bytes instead of encoding
 * the whole page again (a 150 KB page's encoding was a third of a cached view's time).
 */
export type EncodedTemplate = readonly (Buffer | { readonly slot: Slot })[];

export function encoded(template: Template): EncodedTemplate {
  return template.map((piece) => (typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece));
}

/**
 * An encoded template filled for one reader, as the parts to send in turn: the fixed ones
 * are the template's own buffers, so a view copies none of the page (joining them into one
 * buffer was a copy of 150 KB, and its garbage, per view).
 */
export function fillParts(template: EncodedTemplate, slots: Readonly<Record<Slot, string>>): Buffer[] {
  return template.map((piece) => (Buffer.isBuffer(piece) ? piece : Buffer.from(slots[piece.slot], 'utf8')));
}

/** A template's text with no slots (a lead-in for a feed). */
export function plain(template: Template): string {
  return fill(template, { accountBar: '', notice: '', gate: '' });
}
