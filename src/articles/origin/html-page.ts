import { isTag, type Element, type ParentNode } from 'domhandler';
import { accessLevels, type Access } from '../../meter/meter.module';
import { paywalledClass } from '../article-page';
import { leadInCount, leadInTexts, readBody, restTexts, type ArticleBody } from './article-body';
import { fingerprintSetOf, fingerprintsOf, type FingerprintSet } from './fingerprints';
import { paywallTarget, readJsonLd, scriptJson, standaloneArticle, withPaywall, withoutRest, type JsonLdScript } from './json-ld';
import { listingPage } from './listing-page';
import { frameEdits, headEnd, localPath, metaOf, collapsed, textOfFirst } from './page-frame';
import { encoded, escapeAttribute, fillParts, plain, type EncodedTemplate, type PageEdits, type Template } from './page-edits';
import { isJsonLd, restLeakRules, scrubPage, type LeakRules } from './page-scrub';
import { isWithin, parseSource, select, type SourceDom } from './source-dom';
import type { OriginCms } from '../../config/config';

export type { OriginCms } from '../../config/config';
export type { FingerprintSet } from './fingerprints';

export interface PageAnalysisOptions {
  /** ORIGIN_ARTICLE_SELECTOR, default 'article'. */
  readonly articleSelector: string;
  readonly cms: OriginCms;
  /** ORIGIN_ACCOUNT_BAR_SELECTOR; undefined: first thing in <body>. */
  readonly accountBarSelector: string | undefined;
  /** Hosts (host[:port]) of PUBLIC_URL and ORIGIN_URL. */
  readonly canonicalHosts: readonly string[];
  /** Linked in <head> of every page Gatehouse renders, in order (origin.css, then THEME_DIR's theme.css). */
  readonly stylesheetHrefs: readonly string[];
  /** PUBLIC_URL's origin, for the Open Graph URL of an article page that names none. */
  readonly publicOrigin?: string;
  /** ORIGIN_URL's and PUBLIC_URL's origins: links to the CMS's own address are rewritten to the public one. */
  readonly linkOrigins?: { readonly from: string; readonly to: string };
}

export type OriginPage = ArticlePage | OtherPage;

export interface ArticlePage {
  readonly kind: 'article';
  /** The meter's identity: the canonical path when on one of canonicalHosts, else requestPath. Starts with '/', no query or fragment. */
  readonly identity: string;
  /** og:title, else <title>, else the first h1. */
  readonly title: string;
  /** article:section, lower-case, whitespace runs as '-'; '' when absent. */
  readonly section: string;
  /** <meta name="gatehouse:access">; undefined when absent or invalid. */
  readonly access: Access | undefined;
  readonly published: string | undefined;
  /** The origin's description as written: whether it is safe to show is decided per render, never use it for gating. */
  readonly summary: string | undefined;
  readonly paragraphCount: number;
  render(view: ArticleView): string;
  /** The same page as UTF-8 parts to send in turn: pre-encoded, none of the page's bytes copied (what a view sends). */
  renderParts(view: ArticleView): Buffer[];
  restFingerprints(teaserParagraphs: number): readonly string[];
  leadInHtml(teaserParagraphs: number): string;
}

export interface ArticleView {
  readonly mode: 'full' | 'cut';
  readonly paywalled: boolean;
  readonly teaserParagraphs: number;
  readonly accountBarHtml: string;
  readonly noticeHtml: string;
  readonly gateHtml: string;
}

export interface OtherPage {
  readonly kind: 'other';
  readonly candidateArticleLinks: readonly string[];
  render(view: { readonly accountBarHtml: string; readonly scrub: FingerprintSet | undefined }): string;
}

/** Parse an origin HTML page once. `requestPath` is the path the reader asked for (no query). */
export function analysePage(html: string, requestPath: string, options: PageAnalysisOptions): OriginPage {
  const dom = parseSource(html);
  const matched = select(options.articleSelector, dom.root);
  if (matched.length !== 1) return listingPage(dom, matched, requestPath, options);
  return new OriginArticlePage(dom, readBody(matched[0]!, options.cms), requestPath, options);
}

/** What the cut at one lead-in length sends and keeps back. */
interface Cut {
  readonly leadIn: readonly Element[];
  readonly restTexts: readonly string[];
  readonly fingerprints: readonly string[];
  readonly rest: FingerprintSet;
  readonly rules: LeakRules;
}

class OriginArticlePage implements ArticlePage {
  readonly kind = 'article';
  readonly identity: string;
  readonly title: string;
  readonly section: string;
  readonly access: Access | undefined;
  readonly published: string | undefined;
  readonly summary: string | undefined;
  readonly paragraphCount: number;
  readonly #jsonLd: readonly JsonLdScript[];
  readonly #templates = new Map<string, EncodedTemplate>();
  readonly #cuts = new Map<number, Cut>();
  readonly #leadIns = new Map<number, string>();
  /** The scrubbed frame per lead-in length: the walk of the whole page is done once for every view of that cut. */
  readonly #scrubs = new Map<number, PageEdits>();

  constructor(
    private readonly dom: SourceDom,
    private readonly body: ArticleBody,
    requestPath: string,
    private readonly options: PageAnalysisOptions,
  ) {
    const meta = metaOf(dom);
    const canonical = dom.elementsNamed('link').find((link) => link.attribs.href !== undefined && canonicalRel.test(link.attribs.rel ?? ''))?.attribs.href;
    this.identity = (canonical === undefined ? undefined : localPath(canonical, requestPath, options.canonicalHosts)) ?? requestPath;
    this.title = collapsed(meta.get('og:title') ?? '') || textOfFirst('title', dom) || textOfFirst('h1', dom) || '';
    this.section = (meta.get('article:section') ?? cmsSection(body.element, options.cms, meta) ?? '').trim().toLowerCase().replace(/\s+/g, '-');
    const access = meta.get('gatehouse:access')?.trim().toLowerCase();
    this.access = accessLevels.find((level) => level === access);
    this.published = meta.get('article:published_time');
    this.summary = meta.get('description') ?? meta.get('og:description');
    this.paragraphCount = body.paragraphs.length;
    this.#jsonLd = dom.elementsNamed('script').filter(isJsonLd).map(readJsonLd);
  }

  render(view: ArticleView): string {
    return Buffer.concat(this.renderParts(view)).toString('utf8');
  }

  renderParts(view: ArticleView): Buffer[] {
    const key = `${view.mode}:${view.paywalled}:${view.mode === 'cut' ? leadInCount(this.body, view.teaserParagraphs) : ''}`;
    let template = this.#templates.get(key);
    if (template === undefined) {
      template = encoded(view.mode === 'cut' ? this.#cutTemplate(view) : this.#fullTemplate(view.paywalled));
      this.#templates.set(key, template);
    }
    return fillParts(template, { accountBar: view.accountBarHtml, notice: view.noticeHtml, gate: view.gateHtml });
  }

  restFingerprints(teaserParagraphs: number): readonly string[] {
    return this.#cut(teaserParagraphs).fingerprints;
  }

  leadInHtml(teaserParagraphs: number): string {
    const count = leadInCount(this.body, teaserParagraphs);
    let html = this.#leadIns.get(count);
    if (html === undefined) {
      html = this.#leadInPieces(this.#scrubbed(teaserParagraphs), teaserParagraphs).map((t) => plain(t)).join('');
      this.#leadIns.set(count, html);
    }
    return html;
  }

  #cut(teaserParagraphs: number): Cut {
    const count = leadInCount(this.body, teaserParagraphs);
    let cut = this.#cuts.get(count);
    if (cut === undefined) {
      const leadIn = this.body.paragraphs.slice(0, count);
      const rest = restTexts(this.body, leadIn);
      // A run of words the lead-in has too is the reader's already: matching it would remove
      // the lead-in itself wherever it is quoted (a listing's first paragraphs).
      const shown = new Set(fingerprintsOf(leadInTexts(leadIn)));
      const fingerprints = fingerprintsOf(rest).filter((fp) => !shown.has(fp));
      const set = fingerprintSetOf(fingerprints);
      cut = { leadIn, restTexts: rest, fingerprints, rest: set, rules: restLeakRules(set, rest, leadInTexts(leadIn)) };
      this.#cuts.set(count, cut);
    }
    return cut;
  }

  /** The frame, with everything outside the body that carries the rest removed; shared, so copy it before editing. */
  #scrubbed(teaserParagraphs: number): PageEdits {
    const count = leadInCount(this.body, teaserParagraphs);
    let edits = this.#scrubs.get(count);
    if (edits === undefined) {
      const cut = this.#cut(teaserParagraphs);
      edits = frameEdits(this.dom, this.options);
      scrubPage(edits, cut.rules, { opaque: this.body.element, sent: cut.leadIn, dropNoscript: true });
      this.#scrubs.set(count, edits);
    }
    return edits;
  }

  #leadInPieces(edits: PageEdits, teaserParagraphs: number): Template[] {
    return this.#cut(teaserParagraphs).leadIn.map((p) => edits.template(p.startIndex!, p.endIndex! + 1));
  }

  #cutTemplate(view: ArticleView): Template {
    const cut = this.#cut(view.teaserParagraphs);
    const edits = this.#scrubbed(view.teaserParagraphs).copy();
    if (view.paywalled) markPaywalled(edits, this.body.element);
    const lead = this.#leadInPieces(edits, view.teaserParagraphs).flat();
    this.#addOpenGraph(edits);
    edits.replaceChildren(this.body.element, [{ slot: 'notice' }, ...lead, { slot: 'gate' }]);
    // JSON-LD inside the body goes with the rest of the body's children.
    const scripts = this.#jsonLd.filter((s) => !isWithin(s.element, this.body.element));
    this.#writeJsonLd(edits, scripts, view.paywalled, (value) => withoutRest(value, cut.rest, cut.rules.value));
    return edits.template();
  }

  #fullTemplate(paywalled: boolean): Template {
    const edits = frameEdits(this.dom, this.options);
    this.#addOpenGraph(edits);
    edits.insert(this.dom.openEnd(this.body.element), [{ slot: 'notice' }]);
    // Below the whole article: empty but for a gift view's sign-up offer.
    edits.insert(this.dom.closeStart(this.body.element), [{ slot: 'gate' }]);
    if (paywalled) {
      markPaywalled(edits, this.body.element);
      this.#writeJsonLd(edits, this.#jsonLd, true, undefined);
    }
    return edits.template();
  }

  /**
   * Link previews and social sites read Open Graph and Twitter card tags (SPEC section 12); a
   * CMS without an SEO plugin prints none, so the title, type, URL and card are added where
   * the page lacks them. No description is added: the origin's own, if any, stays (and is
   * removed from a cut page when it carries the rest).
   */
  #addOpenGraph(edits: PageEdits): void {
    const meta = metaOf(this.dom);
    const url = this.options.publicOrigin === undefined ? undefined : new URL(this.identity, this.options.publicOrigin).href;
    const wanted: [string, string, string | undefined][] = [
      ['property', 'og:type', 'article'],
      ['property', 'og:title', this.title || undefined],
      ['property', 'og:url', url],
      ['name', 'twitter:card', 'summary'],
      ['name', 'twitter:title', this.title || undefined],
    ];
    const tags = wanted.filter(([, key, value]) => value !== undefined && !meta.has(key)).map(([kind, key, value]) => `<meta ${kind}="${key}" content="${escapeAttribute(value!)}">`);
    if (tags.length > 0) edits.insert(headEnd(this.dom), [tags.join('')]);
  }

  /**
   * Rewrites the page's JSON-LD: without the rest when cutting (unparsable JSON-LD is dropped,
   * since it cannot be checked), with the paywall markup when paywalled, adding an article
   * object when the origin describes none.
   */
  #writeJsonLd(edits: PageEdits, scripts: readonly JsonLdScript[], paywalled: boolean, cut: ((value: unknown) => unknown) | undefined): void {
    const target = paywallTarget(scripts);
    for (const script of scripts) {
      if (edits.isRemoved(script.element)) continue;
      if (script.value === undefined) {
        if (cut !== undefined) edits.remove(script.element);
        continue;
      }
      let value = cut === undefined ? script.value : cut(script.value);
      if (paywalled && target !== 'none') value = withPaywall(value, target);
      edits.replaceChildren(script.element, [scriptJson(value)]);
    }
    if (paywalled && target === 'none') {
      const json = scriptJson(standaloneArticle(this.title, this.identity));
      edits.insert(headEnd(this.dom), [`<script type="application/ld+json">${json}</script>`]);
    }
  }
}

/** What `link[rel~="canonical" i]` matches, as css-select tests it. */
const canonicalRel = /(?:^|\s)canonical(?:$|\s)/i;
/** What `.hentry, .type-post` matches (class names are case-sensitive). */
const postClass = /(?:^|\s)(?:hentry|type-post)(?:$|\s)/;

/**
 * A section where the page prints no `article:section` (a CMS without an SEO plugin): on
 * WordPress the post's first `category-<slug>` class (on its `.hentry` element, the body's
 * own or its ancestor's), on Ghost its first `article:tag`.
 */
function cmsSection(body: Element, cms: PageAnalysisOptions['cms'], meta: ReadonlyMap<string, string>): string | undefined {
  if (cms === 'ghost') return meta.get('article:tag');
  if (cms !== 'wordpress') return undefined;
  // The body or its outermost ancestor that is a post: the first of them in document order.
  let post: Element | undefined;
  for (let current: ParentNode | null = body; current !== null; current = current.parent) {
    if (isTag(current) && postClass.test(current.attribs.class ?? '')) post = current;
  }
  const classes = (post?.attribs.class ?? '').split(/\s+/);
  return classes.find((c) => c.startsWith('category-') && c.length > 'category-'.length)?.slice('category-'.length);
}

/** The class JSON-LD's hasPart points at, so the markup names an element the page really has. */
function markPaywalled(edits: PageEdits, element: Element): void {
  const attributes = edits.attributesOf(element);
  const classes = (attributes.class ?? '').split(/\s+/).filter((c) => c !== '');
  if (!classes.includes(paywalledClass)) attributes.class = [...classes, paywalledClass].join(' ');
}
