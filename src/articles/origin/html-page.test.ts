import { analysePage, type ArticlePage, type ArticleView, type OtherPage, type PageAnalysisOptions } from './html-page';
import { MutableFingerprintSet } from './fingerprints';

const options: PageAnalysisOptions = {
  articleSelector: 'article',
  cms: 'generic',
  accountBarSelector: undefined,
  canonicalHosts: ['news.example', 'cms.internal:8080'],
  stylesheetHrefs: ['/gatehouse/origin.css'],
};

/** A sentence unique to paragraph `i`, carrying the marker `m{i}x`. */
const sentence = (i: number) => `The m${i}x report${i} said councillors${i} met residents${i} on day${i} to discuss plans${i} openly.`;
const paragraphs = (n: number) => Array.from({ length: n }, (_, i) => `<p>${sentence(i + 1)}</p>`).join('\n');
const markers = (n: number) => Array.from({ length: n }, (_, i) => `m${i + 1}x`);

const cut = (teaserParagraphs = 2): ArticleView => ({
  mode: 'cut', paywalled: true, teaserParagraphs, accountBarHtml: '<nav id="gh-bar">Sign in</nav>', noticeHtml: '', gateHtml: '<div id="gh-gate">Subscribe</div>',
});
const full = (paywalled: boolean): ArticleView => ({ ...cut(), mode: 'full', paywalled, noticeHtml: '<p id="gh-notice">2 left</p>', gateHtml: '' });

function article(html: string, path = '/2025/04/audit/', overrides: Partial<PageAnalysisOptions> = {}): ArticlePage {
  const page = analysePage(html, path, { ...options, ...overrides });
  if (page.kind !== 'article') throw new Error('expected an article page');
  return page;
}

/** A page that hides copies of the article everywhere a real site has been seen to. */
function leakyPage(n: number): string {
  const all = Array.from({ length: n }, (_, i) => sentence(i + 1)).join(' ');
  const state = JSON.stringify({ props: { post: { content: `<p>${all.replace(/'/g, '\u2019')}</p>` } } });
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Audit &amp; after</title>
<link rel="canonical" href="https://news.example/2025/04/audit/">
<meta name="description" content="${sentence(n)}">
<meta property="og:description" content="Councillors${n} met residents${n} on day${n} and more">
<meta name="twitter:description" content="${sentence(n)}">
<meta property="article:section" content="Investigations Desk">
<meta name="gatehouse:access" content="premium">
<meta property="article:published_time" content="2025-04-01T10:00:00Z">
<script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"WebPage","name":"Audit"},{"@type":["NewsArticle"],"headline":"Audit","articleBody":${JSON.stringify(all)},"description":${JSON.stringify(sentence(n))},"comment":[{"@type":"Comment","text":"m${n}x quoted"}]}]}</script>
<script id="__NEXT_DATA__" type="application/json">${state}</script>
<script>window.__STATE__ = ${JSON.stringify({ body: all }).replace(/"/g, '"').replace(/ /g, ' ')};</script>
<script>console.log("analytics")</script>
</head><body class="single">
<header><nav><a href="/">Home</a></nav></header>
<main><article class="post" data-excerpt="${sentence(n)}">
<h1>Audit</h1>
${paragraphs(n)}
</article>
<noscript><div>${all}</div></noscript>
<template id="t"><p>${sentence(n)}</p></template>
<div class="print-only">${paragraphs(n)}</div>
<!-- cached: ${sentence(n)} -->
</main><footer><p>© News</p></footer></body></html>`;
}

describe('analysePage: article facts', () => {
  it('when the page has canonical, section, access and dates, then they are read', () => {
    const page = article(leakyPage(3), '/2025/04/audit/amp/');
    expect(page).toMatchObject({ kind: 'article', identity: '/2025/04/audit/', title: 'Audit & after', section: 'investigations-desk', access: 'premium', published: '2025-04-01T10:00:00Z', paragraphCount: 3 });
  });

  it('when the canonical link is on another host, then the identity is the request path', () => {
    const html = '<html><head><link rel="canonical" href="https://elsewhere.example/x/"></head><body><article><p>a</p></article></body></html>';
    expect(article(html, '/2025/04/slug/').identity).toBe('/2025/04/slug/');
  });

  it('when the canonical link is relative or on the origin host, then its path is the identity', () => {
    const html = (href: string) => `<html><head><link rel="canonical" href="${href}"></head><body><article><p>a</p></article></body></html>`;
    expect(article(html('/a/b/?utm_source=x#top'), '/other').identity).toBe('/a/b/');
    expect(article(html('http://cms.internal:8080/c/'), '/other').identity).toBe('/c/');
  });

  it('when access meta is invalid or absent, then access is undefined; og:title wins over <title>', () => {
    const html = '<head><meta property="og:title" content=" The  Title "><meta name="gatehouse:access" content="gold"><title>x</title></head><body><article><p>a</p></article></body>';
    expect(article(html)).toMatchObject({ access: undefined, title: 'The Title', section: '' });
  });

  it('when the selector matches two elements, then the page is not an article', () => {
    expect(analysePage('<body><article><p>a</p></article><article><p>b</p></article></body>', '/', options).kind).toBe('other');
    expect(analysePage('<body><p>no article</p></body>', '/', options).kind).toBe('other');
  });
});

describe('ArticlePage.render: the cut', () => {
  it.each([
    [1, 0],
    [2, 1],
    [3, 2],
    [6, 2],
  ])('when an article of %i paragraphs is cut with teaser 2, then %i are sent and no text of the rest is anywhere in the page', (n, shown) => {
    const html = article(leakyPage(n)).render(cut());
    for (const marker of markers(n).slice(0, shown)) expect(html).toContain(marker);
    for (const marker of markers(n).slice(shown)) expect(html).not.toContain(marker);
    expect(html).toContain('<div id="gh-gate">Subscribe</div>');
  });

  it('when THEME_DIR has a theme.css, then it is linked after origin.css, so the publisher\'s rules win', () => {
    const html = article(leakyPage(4), '/2025/04/audit/', { stylesheetHrefs: ['/gatehouse/origin.css', '/gatehouse/theme.css?v=abc'] }).render(cut());
    expect(html).toContain('<link rel="stylesheet" href="/gatehouse/origin.css"><link rel="stylesheet" href="/gatehouse/theme.css?v=abc">');
  });

  it('when cut, then the rest of the page stays the origin\'s and the copies and JSON-LD text are gone', () => {
    const html = article(leakyPage(4)).render(cut());
    expect(html).toContain('<header><nav><a href="/">Home</a></nav></header>');
    expect(html).toContain('<footer><p>© News</p></footer>');
    expect(html).toContain('<script>console.log("analytics")</script>');
    expect(html).toContain('<body class="single"><nav id="gh-bar">Sign in</nav>');
    expect(html).toContain('<link rel="stylesheet" href="/gatehouse/origin.css"><meta property="og:type" content="article">');
    expect(html).not.toContain('<noscript');
    expect(html).not.toContain('__NEXT_DATA__');
    expect(html).not.toContain('__STATE__');
    expect(html).not.toContain('articleBody');
    expect(html).not.toContain('"text"');
    expect(html).not.toContain('name="description"');
    expect(html).not.toContain('og:description');
    expect(html).not.toContain('data-excerpt');
    expect(html).toContain('<article class="post paywalled-content">');
  });

  it('when cut and paywalled, then the article JSON-LD object says so and points at the class', () => {
    const html = article(leakyPage(4)).render(cut());
    const json = JSON.parse(html.split('<script type="application/ld+json">')[1]!.split('</script>')[0]!) as { '@graph': Record<string, unknown>[] };
    expect(json['@graph'][0]).toEqual({ '@type': 'WebPage', name: 'Audit' });
    expect(json['@graph'][1]).toMatchObject({ headline: 'Audit', isAccessibleForFree: false, hasPart: { '@type': 'WebPageElement', isAccessibleForFree: false, cssSelector: '.paywalled-content' } });
  });

  it('when headings, lists, quotes and figures come before the cut, then only paragraphs are sent and quoted paragraphs do not count', () => {
    const html = `<body><article><h2>mhx heading words</h2><p>${sentence(1)}</p><ul><li>mlx item</li></ul>
      <blockquote><p>mqx quoted paragraph</p></blockquote><figure><img src="a.jpg" alt="x"><figcaption>mfx caption</figcaption></figure>
      <table><tr><td><p>mtx cell</p></td></tr></table><div class="wrap"><p>${sentence(2)}</p></div><p>${sentence(3)}</p></article></body>`;
    const out = article(html).render(cut());
    expect(article(html).paragraphCount).toBe(3);
    expect(out).toContain(`<article class="paywalled-content"><p>${sentence(1)}</p><p>${sentence(2)}</p><div id="gh-gate">`);
    for (const marker of ['mhx', 'mlx', 'mqx', 'mfx', 'mtx', 'm3x']) expect(out).not.toContain(marker);
  });

  it.each([
    ['<!--more-->', 'generic'],
    ['<!--members-only-->', 'ghost'],
    ['<span id="more-12"></span>', 'wordpress'],
  ] as const)('when %s comes after the first paragraph, at depth, then the lead-in stops there', (marker, cms) => {
    const html = `<body><article><div class="entry-content"><p>${sentence(1)}</p><div><p>${marker}</p></div><p>${sentence(2)}</p><p>${sentence(3)}</p></div></article></body>`;
    const out = article(html, '/', { cms }).render(cut(3));
    expect(out).toContain('m1x');
    expect(out).not.toContain('m2x');
    expect(out).not.toContain('m3x');
  });

  it('when a WordPress more span appears on a generic origin, then it is not a marker', () => {
    const html = `<body><article><p>${sentence(1)}</p><span id="more-12"></span><p>${sentence(2)}</p><p>${sentence(3)}</p></article></body>`;
    expect(article(html).render(cut())).toContain('m2x');
  });

  it('when text is entity-encoded in the article and plain in a copy, then the copy is still recognised', () => {
    const html = `<body><article><p>${sentence(1)}</p><p>Then m2x Smith&#8217;s report &amp; the council&rsquo;s ledger were burned overnight.</p></article>
      <aside class="print-only"><p>Then m2x Smith’s report & the council’s ledger were burned overnight.</p></aside><div>Then Smith’s report & the council’s ledger were burned</div></body>`;
    const out = article(html).render(cut());
    expect(out).not.toContain('m2x');
    expect(out).not.toContain('ledger');
  });

  it('when the origin has no JSON-LD article, then one is added; JSON-LD that does not parse is dropped', () => {
    const html = `<html><head><script type="application/ld+json">{broken ${sentence(2)}</script></head><body><article><p>${sentence(1)}</p><p>${sentence(2)}</p><p>x</p></article></body></html>`;
    const out = article(html, '/a/').render(cut());
    expect(out).not.toContain('broken');
    expect(out).toContain('<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle","headline":"","mainEntityOfPage":"/a/","isAccessibleForFree":false');
  });

  it('when rendered twice for the same view, then the same string comes back', () => {
    const page = article(leakyPage(5));
    expect(page.render(cut())).toBe(page.render(cut()));
    expect(page.render({ ...cut(), gateHtml: 'G2' })).toContain('G2');
  });
});

describe('ArticlePage.render: full', () => {
  it('when free, then the page is the origin byte for byte plus the stylesheet, the Open Graph tags it lacked, account bar and notice', () => {
    const origin = leakyPage(4);
    const html = article(origin).render(full(false));
    const openGraph = '<meta property="og:type" content="article"><meta property="og:title" content="Audit &amp; after"><meta name="twitter:card" content="summary"><meta name="twitter:title" content="Audit &amp; after">';
    const expected = origin
      .replace('</head>', `<link rel="stylesheet" href="/gatehouse/origin.css">${openGraph}</head>`)
      .replace('<body class="single">', '<body class="single"><nav id="gh-bar">Sign in</nav>')
      .replace('<article class="post" data-excerpt="' + sentence(4) + '">', `<article class="post" data-excerpt="${sentence(4)}"><p id="gh-notice">2 left</p>`);
    expect(html).toBe(expected);
  });

  it('when the CMS writes links to its own address, then they point at the public address (absolute, protocol-relative, srcset), and look-alike ports are left alone', () => {
    const html = `<html><head><link rel="stylesheet" href="http://cms.internal:8081/wp-content/style.css"></head><body><a href="http://cms.internal:8081/2025/04/b/">b</a><a href="//cms.internal:8081/c/">c</a><a href="http://cms.internal:80812/x">x</a><img srcset="http://cms.internal:8081/a.jpg 1x, http://cms.internal:8081/b.jpg 2x"><article><p>One two three four five.</p><p>Six seven eight nine.</p></article></body></html>`;
    const page = analysePage(html, '/2025/04/a/', { ...options, linkOrigins: { from: 'http://cms.internal:8081', to: 'https://news.example' } }) as ArticlePage;
    const out = page.render(full(false));
    expect(out).toContain('href="https://news.example/wp-content/style.css"');
    expect(out).toContain('href="https://news.example/2025/04/b/"');
    expect(out).toContain('href="https://news.example/c/"');
    expect(out).toContain('srcset="https://news.example/a.jpg 1x, https://news.example/b.jpg 2x"');
    expect(out).toContain('href="http://cms.internal:80812/x"');
    const https = analysePage('<html><body><a href="https://cms.internal:8081/z">z</a><article><p>One two three.</p></article></body></html>', '/a/', { ...options, linkOrigins: { from: 'http://cms.internal:8081', to: 'https://news.example' } }) as ArticlePage;
    expect(https.render(full(false))).toContain('href="https://news.example/z"');
  });

  it('when the page has its own Open Graph title, then it is kept and only the missing tags are added, with the URL on the public address', () => {
    const page = analysePage('<html><head><meta property="og:title" content="Own title"></head><body><article><p>One two three four.</p><p>Five six seven.</p></article></body></html>', '/2025/04/a/', { ...options, publicOrigin: 'https://news.example' });
    const html = (page as ArticlePage).render(full(false));
    expect(html.match(/og:title/g)).toHaveLength(1);
    expect(html).toContain('<meta property="og:url" content="https://news.example/2025/04/a/">');
    expect(html).toContain('<meta name="twitter:title" content="Own title">');
  });

  it('when paywalled, then the body has the class and JSON-LD the paywall markup, and the text is all there', () => {
    const html = article(leakyPage(4)).render(full(true));
    expect(html).toContain('class="post paywalled-content"');
    expect(html).toContain('"isAccessibleForFree":false');
    expect(html).toContain('articleBody');
    for (const marker of markers(4)) expect(html).toContain(marker);
  });
});

describe('ArticlePage lead-in and fingerprints', () => {
  it('when asked for the lead-in, then it is the lead-in paragraphs as the origin wrote them', () => {
    const page = article(`<body><article><h2>h</h2><p class="x">A &amp; ${sentence(1)}</p><p>${sentence(2)}</p><p>${sentence(3)}</p></article></body>`);
    expect(page.leadInHtml(2)).toBe(`<p class="x">A &amp; ${sentence(1)}</p><p>${sentence(2)}</p>`);
    expect(page.leadInHtml(1)).toBe(`<p class="x">A &amp; ${sentence(1)}</p>`);
  });

  it('when asked for rest fingerprints, then the rest matches and the lead-in does not', () => {
    const page = article(`<body><article><p>${sentence(1)}</p><p>${sentence(2)}</p><p>${sentence(3)}</p></article></body>`);
    const set = new MutableFingerprintSet();
    set.add('/a', page.restFingerprints(2));
    expect(page.restFingerprints(2)).toBe(page.restFingerprints(2));
    const listing = analysePage(`<body><div><p>${sentence(1)}</p></div><div><p>${sentence(3)}</p></div></body>`, '/', options) as OtherPage;
    const out = listing.render({ accountBarHtml: '', scrub: set });
    expect(out).toContain('m1x');
    expect(out).not.toContain('m3x');
  });
});
