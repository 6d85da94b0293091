import http from 'node:http';

/** The paths the bench's origin answers: article pages of about 150 KB, and the cache fill's of about 100 KB. */
export const originArticlePath = (slug: string) => `/news/2026/03/${slug}/`;
export const fillPath = (n: number) => `/archive/${n}/`;
export const articleShape = { bytes: 150_000, paragraphs: 40 } as const;
const fillShape = { bytes: 100_000, paragraphs: 20 } as const;

const vocabulary = (
  'council harbour residents budget plans tunnel ferry market school police river bridge housing ' +
  'survey report minister vote night morning street station engineers inspectors contract tender ' +
  'flood defences tram line consultation museum library hospital ward nurses doctors families ' +
  'children teachers parents traders shops rents landlords tenants planning committee chair mayor ' +
  'opposition spokesperson figures million pounds percent delay cost overrun audit review findings ' +
  'evidence witnesses statement letter email document records archive photographs weather storm ' +
  'wind tide coast cliffs erosion sea wall path cyclists drivers buses timetable fares passengers ' +
  'strike union pay offer talks agreement deadline spring summer autumn winter week month year ' +
  'quietly openly finally again already still never often rarely early late said told asked ' +
  'agreed refused warned promised admitted denied confirmed published released opened closed'
).split(' ');

/** A small seeded generator (mulberry32): every path gets its own text, the same on every run. */
function randomOf(seed: string): () => number {
  let state = [...seed].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 16777619), 2166136261) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sentences(random: () => number, count: number): string {
  const pick = () => vocabulary[Math.floor(random() * vocabulary.length)]!;
  return Array.from({ length: count }, () => {
    const words = Array.from({ length: 12 + Math.floor(random() * 10) }, pick);
    return `${words[0]!.charAt(0).toUpperCase()}${words.join(' ').slice(1)}.`;
  }).join(' ');
}

const icon = (i: number) => `<svg class="icon" viewBox="0 0 24 24" aria-hidden="true" width="16" height="16"><path d="M${i % 20} 4h${4 + (i % 7)}v16H4z m2 2h12v12H6z"/></svg>`;
const link = (href: string, text: string, i: number) => `<li class="menu-item menu-item-${i}"><a class="menu-link" href="${href}">${icon(i)}<span>${text}</span></a></li>`;

/** A masthead with a mega-menu, as a news site's is: sections, each with its topic links. */
function masthead(random: () => number): string {
  const sections = ['News', 'Politics', 'Business', 'Sport', 'Culture', 'Opinion', 'Travel', 'Science', 'Health', 'Education', 'Weather', 'Local'];
  const menus = sections.map((section, s) => {
    const topics = Array.from({ length: 14 }, (_, t) => link(`/${section.toLowerCase()}/topic-${t}/`, sentences(random, 1).split(' ').slice(0, 3).join(' '), s * 14 + t));
    return `<li class="mega"><a href="/${section.toLowerCase()}/">${section}</a><div class="mega-panel"><ul class="mega-list">${topics.join('')}</ul></div></li>`;
  });
  return `<header class="site-header"><div class="top-bar"><a class="logo" href="/">${icon(0)}The Harbour Gazette</a><form class="search" action="/search/"><input name="q" type="search" aria-label="Search"></form></div><nav class="primary" aria-label="Sections"><ul>${menus.join('')}</ul></nav></header>`;
}

/** The article itself: its paragraphs, subheads, a figure and a pull quote. */
function articleBody(random: () => number, title: string, count: number): { html: string; text: string } {
  const paragraphs = Array.from({ length: count }, () => sentences(random, 5));
  const parts = paragraphs.map((p, i) => {
    const subhead = i > 0 && i % 8 === 0 ? `<h2>${sentences(random, 1)}</h2>` : '';
    const figure = i === 3 ? `<figure class="wp-block-image"><img src="/media/photo-${i}.jpg" alt="" width="1200" height="800" loading="lazy"><figcaption>${sentences(random, 1)}</figcaption></figure>` : '';
    const quote = i === 12 ? `<blockquote class="pull-quote"><p>${sentences(random, 1)}</p></blockquote>` : '';
    return `${subhead}${figure}${quote}<p>${p}</p>`;
  });
  const html = `<article class="post type-post status-publish"><header class="entry-header"><h1 class="entry-title">${title}</h1><p class="byline">By <a href="/authors/ana-reporter/">Ana Reporter</a> · <time datetime="2026-03-02T08:00:00Z">2 March 2026</time></p></header><div class="entry-content">${parts.join('\n')}</div></article>`;
  return { html, text: paragraphs.join('\n\n') };
}

/** Teasers of other stories (not <article>s: the body selector must match once), then the footer, padded to `target`. */
function sideAndFooter(random: () => number, target: number): string {
  const teasers = Array.from({ length: 12 }, (_, i) => `<div class="teaser"><a href="/news/2026/02/story-${i}/"><img src="/media/t${i}.jpg" alt="" width="320" height="180"><h3>${sentences(random, 1)}</h3></a><p>${sentences(random, 1)}</p></div>`);
  const aside = `<aside class="most-read"><h2>Most read</h2>${teasers.join('')}</aside>`;
  const columns: string[] = [];
  let bytes = aside.length;
  for (let c = 0; bytes < target; c += 1) {
    const items = Array.from({ length: 20 }, (_, i) => link(`/footer/${c}/${i}/`, `Footer link ${c}.${i}`, c * 20 + i)).join('');
    const column = `<div class="footer-column"><h4>Column ${c}</h4><ul>${items}</ul></div>`;
    columns.push(column);
    bytes += column.length;
  }
  return `${aside}<footer class="site-footer">${columns.join('')}<p class="legal">© The Harbour Gazette. All rights reserved.</p></footer>`;
}

const styles = Array.from({ length: 120 }, (_, i) => `.c${i}{margin:${i % 5}px;padding:${i % 7}px;color:#${(i * 99991).toString(16).slice(0, 6).padEnd(6, '0')}}`).join('');

/**
 * A realistic news page of about `bytes` with `paragraphs` paragraphs in its article: head
 * with Open Graph tags, styles, JSON-LD (with the whole article body, as CMSs print it) and
 * analytics, the masthead, the article, teasers and a long footer.
 */
export function originPage(path: string, bytes: number, paragraphs: number): string {
  const random = randomOf(path);
  const title = sentences(random, 1).slice(0, 70);
  const body = articleBody(random, title, paragraphs);
  const description = body.text.split('. ')[0]!;
  const jsonLd = JSON.stringify({
    '@context': 'https://schema.org',
    '@type': 'NewsArticle',
    headline: title,
    description,
    articleBody: body.text,
    datePublished: '2026-03-02T08:00:00Z',
    author: { '@type': 'Person', name: 'Ana Reporter' },
    publisher: { '@type': 'NewsMediaOrganization', name: 'The Harbour Gazette', logo: { '@type': 'ImageObject', url: 'http://localhost:8080/media/logo.png' } },
    image: ['http://localhost:8080/media/photo-3.jpg'],
    mainEntityOfPage: `http://localhost:8080${path}`,
  });
  const head = `<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title} | The Harbour Gazette</title>
<link rel="canonical" href="http://localhost:8080${path}"><meta name="description" content="${description}"><meta property="og:title" content="${title}"><meta property="og:description" content="${description}"><meta property="og:type" content="article"><meta property="article:section" content="News"><meta property="article:published_time" content="2026-03-02T08:00:00Z"><link rel="stylesheet" href="/assets/site.css"><style>${styles}</style>
<script type="application/ld+json">${jsonLd}</script><script>window.dataLayer=window.dataLayer||[];window.dataLayer.push({"page":"article","section":"news"});</script><script src="/assets/site.js" defer></script></head>`;
  const top = `${head}<body class="single single-post">${masthead(random)}<main class="site-main"><div class="breadcrumbs"><a href="/">Home</a> › <a href="/news/">News</a></div>${body.html}`;
  return `${top}${sideAndFooter(random, bytes - top.length - 40)}</main></body></html>`;
}

/** The bench's origin child: every article path answers its own generated page, cacheable for ten minutes. */
export async function serveStaticOrigin(): Promise<void> {
  const pages = new Map<string, Buffer>();
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    let body = pages.get(path);
    if (body === undefined) {
      const shape = path.startsWith('/archive/') ? fillShape : articleShape;
      body = Buffer.from(originPage(path, shape.bytes, shape.paragraphs));
      // The article pages are few and asked for again; the fill's are many and asked for once.
      if (!path.startsWith('/archive/')) pages.set(path, body);
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'max-age=600', 'content-length': body.length });
    res.end(body);
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.send!({ port: typeof address === 'object' && address ? address.port : 0 });
  });
  process.on('message', (message) => {
    if (message === 'stop') server.close(() => process.exit(0));
  });
}
