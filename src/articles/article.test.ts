import { leadIn, leadInEnd, type ArticleBlock } from './article';
import { articlePage } from './article-page';
import { defaultMeterSettings } from '../meter/meter-settings';
import type { Decision } from '../meter/access-decision';
import type { GateResult } from '../meter/meter.module';

const p = (text: string): ArticleBlock => ({ html: `<p>${text}</p>`, isParagraph: true });
const other = (text: string): ArticleBlock => ({ html: `<h2>${text}</h2>`, isParagraph: false });
const article = (...blocks: ArticleBlock[]) => ({ blocks });
const texts = (blocks: readonly ArticleBlock[]) => blocks.map((b) => b.html);

describe('leadIn', () => {
  it.each([
    // [paragraphs in the article, teaserParagraphs, paragraphs shown]
    [0, 2, 0],
    [1, 2, 0],
    [2, 2, 1],
    [3, 2, 2],
    [6, 2, 2],
    [1, 0, 0],
    [5, 0, 0],
    [3, 3, 2],
    [3, 50, 2],
    [4, 3, 3],
  ])('when an article has %i paragraphs and the teaser is %i, then %i paragraphs are shown', (n, teaser, shown) => {
    const blocks = Array.from({ length: n }, (_, i) => p(`P${i + 1}`));
    expect(texts(leadIn(article(...blocks), teaser))).toEqual(blocks.slice(0, shown).map((b) => b.html));
  });

  it('when headings, lists, quotes or tables come before the cut, then only the paragraphs are in the lead-in', () => {
    const a = article(other('H'), p('P1'), other('List'), other('Quote'), p('P2'), other('Table'), p('P3'), p('P4'));
    expect(texts(leadIn(a, 2))).toEqual(['<p>P1</p>', '<p>P2</p>']);
    expect(leadInEnd(a, 2)).toBe(5);
  });

  it('when an article has no paragraph at all, then nothing is in the lead-in', () => {
    expect(leadIn(article(other('H'), other('List')), 2)).toEqual([]);
    expect(leadInEnd(article(other('H'), other('List')), 2)).toBe(0);
  });

  it('when the only paragraphs fit the teaser, then the last one and every block around it stay out', () => {
    const a = article(other('H'), p('P1'), other('Quote'), p('P2'), other('Tail'));
    expect(texts(leadIn(a, 2))).toEqual(['<p>P1</p>']);
  });
});

describe('articlePage', () => {
  const full = { slug: 's', title: 'T', section: 'news', access: undefined, published: '2026-01-01T00:00:00.000Z', author: undefined, summary: 'Own summary.' };
  const blocks = [other('H'), p('P1'), other('Quote'), p('P2'), p('P3')];
  const result = (decision: Decision): GateResult => ({
    decision,
    settings: defaultMeterSettings,
    entitlement: 'none',
    limit: 3,
    remaining: 1,
    used: 2,
    periodEndsAt: new Date(0),
    storeUnavailable: false,
  });

  it.each(['registration-wall', 'paywall'] as const)('when the decision is %s, then only lead-in paragraphs are sent and nothing is held back for later', (decision) => {
    const page = articlePage({ ...full, blocks }, result(decision), 'https://x.example/articles/s');
    expect(texts(page.leadBlocks)).toEqual(['<p>P1</p>', '<p>P2</p>']);
    expect(page.restBlocks).toEqual([]);
    expect(page.jsonLd).not.toMatch(/P1|P2|P3|Quote/);
  });

  it.each(['metered', 'subscriber'] as const)('when the decision is %s, then every block is sent in order, the rest after the cut', (decision) => {
    const page = articlePage({ ...full, blocks }, result(decision), 'https://x.example/articles/s');
    expect([...texts(page.leadBlocks), ...texts(page.restBlocks)]).toEqual(texts(blocks));
    expect(texts(page.restBlocks)).toEqual(['<p>P3</p>']);
  });

  it('when the article is free, then it is sent whole with no paywalled part', () => {
    const page = articlePage({ ...full, blocks }, result('free'), 'https://x.example/articles/s');
    expect(texts(page.leadBlocks)).toEqual(texts(blocks));
    expect(page.restBlocks).toEqual([]);
  });
});
