import { isComment, isTag, type Element } from 'domhandler';
import { fingerprintsOf, matches, type FingerprintSet } from './fingerprints';
import { readJsonLd, scriptJson } from './json-ld';
import { scrubJson } from './json-scrub';
import type { OtherPage, PageAnalysisOptions } from './html-page';
import { fill, type Template } from './page-edits';
import { frameEdits, localPath } from './page-frame';
import { isJsonLd, scriptTexts, scrubPage, setLeakRules } from './page-scrub';
import { blockRuns, descendants, select, type SourceDom } from './source-dom';

/** Most links a listing names as articles whose text it may carry: enough for an index page, bounded for a hostile one. */
const maxCandidates = 50;
/** Where WordPress and Ghost themes put each post of an index or archive. */
const postContainers = 'article, .post, .hentry';

/** A page that is not one article: an index, an archive, a search result, a static page. */
export function listingPage(dom: SourceDom, matched: readonly Element[], requestPath: string, options: PageAnalysisOptions): OtherPage {
  const containers = [...(matched.length >= 2 ? matched : []), ...(options.cms === 'generic' ? [] : select(postContainers, dom.root))];
  const links = new Set<string>();
  // Each post's own link first (its permalink: rel=bookmark, or the link in its heading), then
  // the rest (tags, categories, authors), so that an index with many of those still learns
  // every post it shows before the bound is reached.
  for (const selector of ['a[rel~="bookmark" i][href], h1 a[href], h2 a[href], h3 a[href]', 'a[href]']) {
    for (const container of containers) {
      for (const a of select(selector, container)) {
        const path = localPath(a.attribs.href!, requestPath, options.canonicalHosts);
        if (path !== undefined && links.size < maxCandidates) links.add(path);
      }
    }
  }
  return new ListingPage(dom, [...links], options);
}

class ListingPage implements OtherPage {
  readonly kind = 'other';
  #plain: Template | undefined;
  #scrubbed: { readonly set: FingerprintSet; readonly version: number; readonly template: Template } | undefined;
  #fingerprints: ReadonlySet<string> | undefined;

  constructor(
    private readonly dom: SourceDom,
    readonly candidateArticleLinks: readonly string[],
    private readonly options: PageAnalysisOptions,
  ) {}

  render(view: { readonly accountBarHtml: string; readonly scrub: FingerprintSet | undefined }): string {
    const template = view.scrub !== undefined && this.#carries(view.scrub) ? this.#scrubbedTemplate(view.scrub) : this.#plainTemplate();
    return fill(template, { accountBar: view.accountBarHtml, notice: '', gate: '' });
  }

  /**
   * Whether any text of the page is in the set: a page that carries none (most pages, most
   * of the time) keeps its unscrubbed template however often the set changes.
   */
  #carries(set: FingerprintSet): boolean {
    this.#fingerprints ??= new Set(fingerprintsOf(this.#texts()));
    for (const fp of this.#fingerprints) if (set.has(fp)) return true;
    return false;
  }

  /** Every text the scrub looks at: block runs, scripts as decoded, comments, attribute values. */
  #texts(): string[] {
    const texts = blockRuns(this.dom.root);
    for (const node of descendants(this.dom.root)) {
      if (isComment(node)) texts.push(node.data);
      else if (isTag(node)) {
        texts.push(...Object.values(node.attribs));
        if (node.name === 'script') texts.push(...scriptTexts(node));
      }
    }
    return texts;
  }

  #plainTemplate(): Template {
    this.#plain ??= frameEdits(this.dom, this.options).template();
    return this.#plain;
  }

  #scrubbedTemplate(set: FingerprintSet): Template {
    if (this.#scrubbed?.set === set && this.#scrubbed.version === set.version) return this.#scrubbed.template;
    const edits = frameEdits(this.dom, this.options);
    scrubPage(edits, setLeakRules(set), { dropNoscript: false });
    for (const script of this.dom.elementsNamed('script').filter(isJsonLd)) {
      if (!scriptTexts(script).some((text) => matches(text, set))) continue;
      const { value } = readJsonLd(script);
      if (value === undefined) edits.remove(script);
      else edits.replaceChildren(script, [scriptJson(scrubJson(value, set))]);
    }
    const template = edits.template();
    this.#scrubbed = { set, version: set.version, template };
    return template;
  }
}
