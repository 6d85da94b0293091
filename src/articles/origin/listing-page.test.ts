import { analysePage, type OtherPage, type PageAnalysisOptions } from './html-page';
import { MutableFingerprintSet } from './fingerprints';

const options: PageAnalysisOptions = { articleSelector: 'article', cms: 'wordpress', accountBarSelector: '#masthead', canonicalHosts: ['news.example'], stylesheetHrefs: ['/gatehouse/origin.css'] };
const sentence = (post: string, i: number) => `In ${post} the ${post}p${i}x paragraph${i} of story${post} tells${i} readers${i} everything${i} today.`;
const post = (slug: string) => `<article class="post hentry"><h2><a href="https://news.example/${slug}/?utm=x">${slug}</a></h2>
<div class="entry-content">${[1, 2, 3].map((i) => `<p>${sentence(slug, i)}</p>`).join('')}</div></article>`;
const index = `<!doctype html><html><head><title>News</title></head><body><div id="masthead">News</div><main>${post('a')}${post('b')}${post('c')}
<aside><p class="excerpt">Excerpt: paragraph3 of storyb tells3 readers3 everything3 and more</p><p class="excerpt">Excerpt: tells2 readers2 everything2</p></aside></main></body></html>`;

describe('OtherPage', () => {
  const page = analysePage(index, '/', options) as OtherPage;
  /** Post b is gated with a lead-in of one paragraph: its paragraphs 2 and 3 are the rest. */
  const restOfB = analysePage(`<body><article>${[1, 2, 3].map((i) => `<p>${sentence('b', i)}</p>`).join('')}</article></body>`, '/b/', options);
  const set = new MutableFingerprintSet();
  if (restOfB.kind === 'article') set.add('/b/', restOfB.restFingerprints(1));

  it('when the page lists posts, then it is not an article and names their links', () => {
    expect(page.kind).toBe('other');
    expect(page.candidateArticleLinks).toEqual(['/a/', '/b/', '/c/']);
  });

  it('when a listed post is gated, then its rest paragraphs and excerpts of 6+ words of them go and everything else stays', () => {
    const out = page.render({ accountBarHtml: '<nav>bar</nav>', scrub: set });
    for (const kept of ['ap1x', 'ap2x', 'ap3x', 'bp1x', 'cp1x', 'cp2x', 'cp3x', 'Excerpt: tells2 readers2 everything2']) expect(out).toContain(kept);
    for (const gone of ['bp2x', 'bp3x', 'paragraph3 of storyb']) expect(out).not.toContain(gone);
    expect(out).toContain('<div id="masthead"><nav>bar</nav>News</div>');
  });

  it('when no text of the page is in the set, then the page is the origin plus the frame', () => {
    const out = page.render({ accountBarHtml: '', scrub: new MutableFingerprintSet() });
    expect(out).toBe(index.replace('</head>', '<link rel="stylesheet" href="/gatehouse/origin.css"></head>'));
  });

  it('when the set changes, then the next render follows it', () => {
    const changing = new MutableFingerprintSet();
    expect(page.render({ accountBarHtml: '', scrub: changing })).toContain('bp2x');
    if (restOfB.kind === 'article') changing.add('/b/', restOfB.restFingerprints(1));
    expect(page.render({ accountBarHtml: '', scrub: changing })).not.toContain('bp2x');
  });

  it('when an index has more tag and category links than the bound, then each post\'s own link is still among the candidates', () => {
    const tags = Array.from({ length: 60 }, (_, i) => `<a href="/tag/t${i}/">t${i}</a>`).join('');
    const posts = Array.from({ length: 10 }, (_, i) => `<article class="post hentry"><footer>${tags}</footer><h2><a rel="bookmark" href="/2025/04/post-${i}/">post ${i}</a></h2><p>Text.</p></article>`).join('');
    const crowded = analysePage(`<html><body><main>${posts}</main></body></html>`, '/', options) as OtherPage;
    for (let i = 0; i < 10; i += 1) expect(crowded.candidateArticleLinks).toContain(`/2025/04/post-${i}/`);
    expect(crowded.candidateArticleLinks.length).toBeLessThanOrEqual(50);
  });
});

