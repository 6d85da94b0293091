import { Parser } from 'htmlparser2';
import { cutFeed, feedItemLinks } from './feed';

const rss = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>News</title><link>https://news.example/</link>
<item><title>Gated</title><link>https://news.example/gated/</link><description><![CDATA[<p>m1x lead</p><p>m2x rest</p>]]></description><content:encoded><![CDATA[<p>m1x lead</p><p>m2x rest</p>]]></content:encoded></item>
<item><title>Free</title><link>https://news.example/free/</link><description><![CDATA[<p>f1x free</p>]]></description><content:encoded><![CDATA[<p>f1x all of it</p>]]></content:encoded></item>
<item><title>Unknown</title><link>https://news.example/unknown/</link><description>u1x &amp; more</description><content:encoded><![CDATA[<p>u2x text</p>]]></content:encoded></item>
</channel></rss>`;

const atom = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>News</title>
<entry><title>Gated</title><link rel="alternate" href="https://news.example/gated/"/><summary>m1x lead m2x rest</summary><content type="html">&lt;p&gt;m1x lead&lt;/p&gt;&lt;p&gt;m2x rest&lt;/p&gt;</content></entry>
<entry><title>Free</title><link href="https://news.example/free/"/><content type="html">&lt;p&gt;f1x&lt;/p&gt;</content></entry>
</feed>`;

const itemOf = (link: string) =>
  link.endsWith('/gated/') ? { gated: true, leadInHtml: '<p>m1x lead</p>' } : link.endsWith('/free/') ? { gated: false, leadInHtml: '' } : undefined;

/** Well-formed enough for a feed reader: every element is closed by its own end tag or is self-closing. */
function assertBalanced(xml: string): void {
  const implied: string[] = [];
  const parser: Parser = new Parser(
    { onclosetag: (name, isImplied) => { if (isImplied && xml[parser.endIndex - 1] !== '/') implied.push(name); } },
    { xmlMode: true },
  );
  parser.end(xml);
  expect(implied).toEqual([]);
}

describe('feedItemLinks', () => {
  it('when given RSS or Atom, then each item link is listed as written', () => {
    expect(feedItemLinks(rss)).toEqual(['https://news.example/gated/', 'https://news.example/free/', 'https://news.example/unknown/']);
    expect(feedItemLinks(atom)).toEqual(['https://news.example/gated/', 'https://news.example/free/']);
  });
});

describe('cutFeed', () => {
  it('when an RSS item is gated, then its text is the lead-in; free items are untouched; unknown items are emptied', () => {
    const out = cutFeed(rss, itemOf);
    expect(out).toContain('<description><![CDATA[<p>m1x lead</p>]]></description><content:encoded><![CDATA[<p>m1x lead</p>]]></content:encoded>');
    expect(out).toContain('<description><![CDATA[<p>f1x free</p>]]></description><content:encoded><![CDATA[<p>f1x all of it</p>]]></content:encoded>');
    expect(out).toContain('<description></description><content:encoded></content:encoded>');
    for (const marker of ['m2x', 'u1x', 'u2x']) expect(out).not.toContain(marker);
    expect(out.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">')).toBe(true);
    assertBalanced(out);
  });

  it('when an Atom entry is gated, then html content is the lead-in and a text summary its plain text', () => {
    const out = cutFeed(atom, itemOf);
    expect(out).toContain('<summary>m1x lead</summary><content type="html"><![CDATA[<p>m1x lead</p>]]></content>');
    expect(out).toContain('<content type="html">&lt;p&gt;f1x&lt;/p&gt;</content>');
    expect(out).not.toContain('m2x');
    assertBalanced(out);
  });

  it('when a lead-in contains "]]>", then the CDATA section is still closed once', () => {
    const out = cutFeed(rss, (link) => (link.endsWith('/gated/') ? { gated: true, leadInHtml: '<p>a]]>b</p>' } : undefined));
    expect(out).toContain('<![CDATA[<p>a]]]]><![CDATA[>b</p>]]>');
    assertBalanced(out);
  });
});
