import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MarkdownArticleSource } from './markdown-source';
import { leadIn } from './article';
import { bundledContentDir } from '../config/paths';

function folderWith(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-articles-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

describe('MarkdownArticleSource', () => {
  it('when the bundled samples load, then there are at least 12 over 3+ sections with free and premium among them', async () => {
    const articles = await (await MarkdownArticleSource.load(bundledContentDir)).list();
    expect(articles.length).toBeGreaterThanOrEqual(12);
    expect(new Set(articles.map((a) => a.section)).size).toBeGreaterThanOrEqual(3);
    expect(articles.some((a) => a.access === 'free')).toBe(true);
    expect(articles.some((a) => a.access === 'premium')).toBe(true);
  });

  it('when front matter omits slug, access and section, then the file name and defaults apply', async () => {
    const dir = folderWith({ 'quiet-day.md': '---\ntitle: A quiet day\npublished: 2026-01-02\n---\nNothing happened.\n' });
    const article = await (await MarkdownArticleSource.load(dir)).get('quiet-day');
    expect(article).toMatchObject({ slug: 'quiet-day', section: 'news', access: undefined, published: '2026-01-02T00:00:00.000Z' });
  });

  it('when the body has several elements, then each top-level element is one block and paragraphs are marked', async () => {
    const dir = folderWith({
      'a.md': '---\ntitle: A\npublished: 2026-01-01\n---\n## Heading\n\nOne.\n\n- list\n- items\n\nTwo.\n\n> quote\n\nThree.\n',
    });
    const article = (await (await MarkdownArticleSource.load(dir)).get('a'))!;
    expect(article.blocks.map((b) => b.isParagraph)).toEqual([false, true, false, true, false, true]);
    expect(leadIn(article, 2).map((b) => b.html.trim())).toEqual(['<p>One.</p>', '<p>Two.</p>']);
  });

  it('when the Markdown holds raw HTML, then it is escaped, not rendered', async () => {
    const dir = folderWith({ 'x.md': '---\ntitle: X\npublished: 2026-01-01\n---\n<script>alert(1)</script>\n' });
    const article = (await (await MarkdownArticleSource.load(dir)).get('x'))!;
    expect(article.blocks.map((b) => b.html).join('')).not.toContain('<script>');
  });

  it.each([
    ['missing title', '---\npublished: 2026-01-01\n---\nBody', /bad\.md: title/],
    ['bad access', '---\ntitle: T\naccess: secret\npublished: 2026-01-01\n---\nBody', /bad\.md: access/],
    ['bad date', '---\ntitle: T\npublished: someday\n---\nBody', /bad\.md: published is not a date/],
    ['broken YAML', '---\ntitle: a: b\npublished: 2026-01-01\n---\nBody', /bad\.md: front matter is not valid YAML/],
  ])('when a file has %s, then loading fails naming the file', async (_case, text, message) => {
    await expect(MarkdownArticleSource.load(folderWith({ 'bad.md': text }))).rejects.toThrow(message);
  });

  it('when two files claim one slug, then loading fails', async () => {
    const text = '---\ntitle: T\nslug: same\npublished: 2026-01-01\n---\nBody';
    await expect(MarkdownArticleSource.load(folderWith({ 'a.md': text, 'b.md': text }))).rejects.toThrow(/slug "same"/);
  });
});
