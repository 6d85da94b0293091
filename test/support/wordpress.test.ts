import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { selectAll, selectOne } from 'css-select';
import { textContent } from 'domutils';
import type { Element } from 'domhandler';
import { parseDocument } from 'htmlparser2';
import { describeWithWordPress, markerParagraphs, startWordPress, type TestWordPress, type WordPressPost } from './wordpress';

function markersIn(text: string, prefix: string): string[] {
  return text.match(new RegExp(`\\b${prefix}p\\d+x\\b`, 'g')) ?? [];
}

describe('markerParagraphs', () => {
  test('when asked for paragraphs, then each has about thirty words and its own marker', () => {
    const paragraphs = markerParagraphs('lede7', 5);
    expect(paragraphs).toHaveLength(5);
    paragraphs.forEach((paragraph, index) => {
      expect(paragraph.split(' ')).toHaveLength(30);
      expect(markersIn(paragraph, 'lede7')).toEqual([`lede7p${index + 1}x`]);
    });
    expect(new Set(paragraphs).size).toBe(5);
    expect(markerParagraphs('lede7', 5)).toEqual(paragraphs);
  });

  test('when the prefix is not letters and digits, then it throws', () => {
    expect(() => markerParagraphs('a-b', 1)).toThrow(/letters and digits/);
  });
});

describeWithWordPress('startWordPress', () => {
  let wp: TestWordPress;
  let investigation: WordPressPost;
  let teased: WordPressPost;

  beforeAll(async () => {
    wp = await startWordPress();
    investigation = await wp.insertPost({ title: 'Council water contract', paragraphs: markerParagraphs('inv', 4), category: 'Investigations', date: '2025-04-10 09:00:00' });
    const [first, ...rest] = markerParagraphs('tease', 3).map((p) => `<p>${p}</p>`);
    teased = await wp.insertPost({ title: 'Budget teaser', content: [first, '<!--more-->', ...rest].join('\n\n'), date: '2025-04-11 09:00:00' });
  });

  afterAll(() => wp.destroy());

  test('when a post is inserted, then its pretty permalink renders it whole in .entry-content', async () => {
    expect(investigation.path).toBe('/2025/04/council-water-contract/');
    const response = await fetch(wp.url + investigation.path);
    expect(response.status).toBe(200);
    const page = parseDocument(await response.text());
    expect(selectAll('article', page)).toHaveLength(1);
    expect(markersIn(textContent(selectOne('.entry-content', page)!), 'inv')).toEqual(['invp1x', 'invp2x', 'invp3x', 'invp4x']);
    expect((selectOne('link[rel=canonical]', page) as unknown as Element).attribs.href).toBe(wp.url + investigation.path);
    expect((selectOne('article', page) as unknown as Element).attribs.class).toContain('category-investigations');
  });

  test('when the content has <!--more-->, then the page carries span#more-ID inside .entry-content', async () => {
    const page = parseDocument(await (await fetch(wp.url + teased.path)).text());
    expect(selectOne(`.entry-content span#more-${teased.id}`, page)).not.toBeNull();
  });

  test('when the blog index is read, then it shows every post in full', async () => {
    const page = parseDocument(await (await fetch(`${wp.url}/`)).text());
    expect(selectAll('article', page)).toHaveLength(2);
    const text = textContent(page);
    expect(markersIn(text, 'inv')).toHaveLength(4);
    expect(markersIn(text, 'tease')).toEqual(['teasep1x']);
  });

  test('when the feed is read, then content:encoded carries the whole posts', async () => {
    const response = await fetch(`${wp.url}/feed/`);
    expect(response.headers.get('content-type')).toMatch(/^application\/rss\+xml/);
    const feed = parseDocument(await response.text(), { xmlMode: true });
    const encoded = selectAll('item > content\\:encoded', feed).map((element) => textContent(element));
    expect(encoded).toHaveLength(2);
    expect(markersIn(encoded.join(' '), 'inv')).toHaveLength(4);
    expect(markersIn(encoded.join(' '), 'tease')).toHaveLength(3);
  });

  test('when /?p=ID is asked, then WordPress redirects (301) to the pretty permalink', async () => {
    const response = await fetch(`${wp.url}/?p=${investigation.id}`, { redirect: 'manual' });
    expect(response.status).toBe(301);
    expect(response.headers.get('location')).toBe(wp.url + investigation.path);
  });

  test('when the REST API is asked, then it answers JSON with the whole content', async () => {
    const response = await fetch(`${wp.url}/wp-json/wp/v2/posts/${investigation.id}`);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const post = (await response.json()) as { content: { rendered: string } };
    expect(markersIn(post.content.rendered, 'inv')).toHaveLength(4);
  });

  test('when the embed view is asked, then it shows the excerpt: the first 55 words', async () => {
    const text = textContent(parseDocument(await (await fetch(`${wp.url}${investigation.path}embed/`)).text()));
    expect(markersIn(text, 'inv')).toEqual(['invp1x', 'invp2x']);
  });

  test('when a post is updated and an option set, then the pages show it', async () => {
    await wp.updatePost(teased.id, { title: 'Budget teaser, revised', paragraphs: ['Only <em>one</em> paragraph now.'] });
    await wp.setOption('blogname', 'Renamed Blog');
    const page = parseDocument(await (await fetch(wp.url + teased.path)).text());
    expect(textContent(selectOne('h1.entry-title', page)!)).toBe('Budget teaser, revised');
    expect(textContent(selectOne('.entry-content', page)!).trim()).toBe('Only one paragraph now.');
    expect(await wp.php("echo get_option('blogname');")).toBe('Renamed Blog');
  });

  test('when stopped, then the port refuses; when started, then the same port answers', async () => {
    await wp.stop();
    await expect(fetch(wp.url + investigation.path)).rejects.toThrow();
    await wp.start();
    expect((await fetch(wp.url + investigation.path)).status).toBe(200);
  });

  test('when destroyed, then its database and config file are gone', async () => {
    const database = await wp.php('echo DB_NAME;');
    const config = await wp.php('echo DEBIAN_FILE;');
    expect(fs.existsSync(config)).toBe(true);
    await wp.destroy();
    expect(execFileSync('mariadb', ['-uroot', '-N', '-e', `SHOW DATABASES LIKE '${database}'`]).toString()).toBe('');
    expect(fs.existsSync(config)).toBe(false);
    await expect(fetch(`${wp.url}/`)).rejects.toThrow();
  });
});
