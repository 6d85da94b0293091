import type { Article, ArticleBlock } from './article';
import { leadIn, leadInEnd } from './article';
import { isFullAccess, type Decision, type GateResult } from '../meter/meter.module';
import type { MessageRef, Messages } from '../http/i18n';

/** The CSS class of the part of a paywalled article that not every reader gets. */
export const paywalledClass = 'paywalled-content';

export interface ArticlePageModel {
  readonly leadBlocks: readonly ArticleBlock[];
  /** The rest of the article: empty unless the reader may read it all. */
  readonly restBlocks: readonly ArticleBlock[];
  readonly gate: Decision | undefined;
  readonly notice: MessageRef | undefined;
  /** The registration wall's promise (the registered allowance and its period). */
  readonly accountOffer: MessageRef;
  readonly jsonLd: string;
  readonly openGraph: OpenGraph;
}

/** What link previews and social sites show: Open Graph and Twitter card tags. */
export interface OpenGraph {
  readonly title: string;
  /** The publisher's summary only: never text past the lead-in of a gated article. */
  readonly description: string | undefined;
  readonly image: string | undefined;
  readonly url: string;
  readonly publishedTime: string;
}

function openGraphFor(article: Article, url: string): OpenGraph {
  return {
    title: article.title,
    description: article.summary,
    image: article.image === undefined ? undefined : new URL(article.image, url).href,
    url,
    publishedTime: article.published,
  };
}

/**
 * The meter's line above an article it granted: how many free articles are left. A rolling
 * window has no "this month": the line says how many come in any N days instead. A message
 * for the view to put in words (views/article.eta), so this stays a pure function.
 */
export function noticeOf(result: GateResult): MessageRef | undefined {
  if (result.decision !== 'metered' || result.remaining === null) return undefined;
  const { period } = result.settings;
  const count = result.remaining;
  if (period.kind === 'calendar-month') return count === 0 ? { key: 'meter.lastThisMonth' } : { key: 'meter.leftThisMonth', params: { count } };
  if (result.limit === null) return count === 0 ? { key: 'meter.last' } : { key: 'meter.left', params: { count } };
  const allowance: MessageRef = { key: 'meter.allowance', params: { count: result.limit, period: days(period.days) } };
  return count === 0 ? { key: 'meter.lastOfAllowance', params: { allowance } } : { key: 'meter.leftOfAllowance', params: { count, allowance } };
}

/** The meter's line in words, for pages made outside the views (the origin's). */
export function noticeFor(result: GateResult, messages: Pick<Messages, 't'>): string | undefined {
  const notice = noticeOf(result);
  return notice === undefined ? undefined : messages.t(notice);
}

const days = (count: number): MessageRef => ({ key: 'meter.days', params: { count } });

/** What the registration wall promises: the registered allowance, in the period's own words (views/gate.eta says it). */
export function accountOfferFor(settings: GateResult['settings']): MessageRef {
  const count = settings.registeredLimit;
  if (count === 0) return { key: 'meter.offerNone' };
  if (settings.period.kind === 'calendar-month') return { key: 'meter.offerMonth', params: { count } };
  return { key: 'meter.offerRolling', params: { count, period: days(settings.period.days) } };
}

/** Structured data as Google asks of paywalled pages; it never carries the article's text. */
function jsonLdFor(article: Article, paywalled: boolean, url: string): string {
  const data: Record<string, unknown> = {
    '@context': 'https://schema.org',
    '@type': 'NewsArticle',
    headline: article.title,
    datePublished: article.published,
    mainEntityOfPage: url,
    isAccessibleForFree: !paywalled,
  };
  if (article.author) data.author = { '@type': 'Person', name: article.author };
  if (article.summary) data.description = article.summary;
  if (paywalled) data.hasPart = { '@type': 'WebPageElement', isAccessibleForFree: false, cssSelector: `.${paywalledClass}` };
  // Escaping "<" keeps a headline from closing the script element.
  return JSON.stringify(data).replace(/</g, '\\u003c');
}

/** What of the article this reader is sent: the whole of it, or the lead-in and the gate. */
export function articlePage(article: Article, result: GateResult, url: string): ArticlePageModel {
  const paywalled = result.decision !== 'free';
  const full = isFullAccess(result.decision);
  const teaser = result.settings.teaserParagraphs;
  // A reader who may read it all gets every block in order, cut where the lead-in ends.
  const end = !paywalled ? article.blocks.length : full ? leadInEnd(article, teaser) : 0;
  return {
    leadBlocks: full ? article.blocks.slice(0, end) : leadIn(article, teaser),
    restBlocks: full ? article.blocks.slice(end) : [],
    gate: full ? undefined : result.decision,
    notice: noticeOf(result),
    accountOffer: accountOfferFor(result.settings),
    jsonLd: jsonLdFor(article, paywalled, url),
    openGraph: openGraphFor(article, url),
  };
}
