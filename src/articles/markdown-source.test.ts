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
    ['missing title', '---\npublished: 2026-01-01\n---\nBody', /^title/],
    ['bad access', '---\ntitle: T\naccess: secret\npublished: 2026-01-01\n---\nBody', /^access/],
    ['bad date', '---\ntitle: T\npublished: someday\n---\nBody', /^published is not a date/],
    ['no date', '---\ntitle: T\n---\nBody', /^published/],
    ['broken YAML', '---\ntitle: a: b\npublished: 2026-01-01\n---\nBody', /^front matter is not valid YAML/],
  ])('when a file has %s, then it is skipped and reported by name, and the other articles are served', async (_case, text, reason) => {
    const warnings: { file: string; reason: string }[] = [];
    const log = { warn: (details: { file: string; reason: string }) => warnings.push(details), info: () => undefined };
    const source = await MarkdownArticleSource.load(folderWith({ 'bad.md': text, 'good.md': '---\ntitle: Good\npublished: 2026-01-01\n---\nBody' }), { log });
    expect((await source.list()).map((a) => a.slug)).toEqual(['good']);
    expect(source.problems).toEqual([{ file: 'bad.md', reason: expect.stringMatching(reason) }]);
    expect(warnings).toEqual([{ file: 'bad.md', reason: expect.stringMatching(reason) }]);
  });

  it('when two files claim one slug, then the first (by file name) is served and the second reported', async () => {
    const text = (title: string) => `---\ntitle: ${title}\nslug: same\npublished: 2026-01-01\n---\nBody`;
    const source = await MarkdownArticleSource.load(folderWith({ 'a.md': text('First'), 'b.md': text('Second') }));
    expect((await source.get('same'))?.title).toBe('First');
    expect(source.problems).toEqual([{ file: 'b.md', reason: 'slug "same" is used by another article' }]);
  });

  it('when a file cannot be read (a folder named like an article), then it is reported as unreadable, not as bad YAML', async () => {
    const dir = folderWith({ 'good.md': '---\ntitle: Good\npublished: 2026-01-01\n---\nBody' });
    fs.mkdirSync(path.join(dir, 'odd.md'));
    const source = await MarkdownArticleSource.load(dir);
    expect(source.problems).toEqual([{ file: 'odd.md', reason: expect.stringMatching(/EISDIR/) }]);
    expect(source.problems[0]!.reason).not.toMatch(/YAML/);
  });

  it('when the watched folder is deleted and made again, or a symlink to it is swapped, then the source follows the new folder', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-articles-'));
    const article = (title: string) => `---\ntitle: ${title}\npublished: 2026-01-01\n---\nBody`;
    fs.mkdirSync(path.join(root, 'v1'));
    fs.writeFileSync(path.join(root, 'v1', 'a.md'), article('A'));
    fs.mkdirSync(path.join(root, 'v2'));
    fs.writeFileSync(path.join(root, 'v2', 'b.md'), article('B'));
    fs.symlinkSync(path.join(root, 'v1'), path.join(root, 'current'));
    const source = await MarkdownArticleSource.load(path.join(root, 'current'), { watch: true });
    const until = async (check: () => Promise<boolean>) => {
      for (let i = 0; i < 400 && !(await check()); i += 1) await new Promise((resolve) => setTimeout(resolve, 25));
      return check();
    };
    try {
      expect((await source.list()).map((a) => a.slug)).toEqual(['a']);
      // A deploy's atomic switch: a new symlink renamed over the old one.
      fs.symlinkSync(path.join(root, 'v2'), path.join(root, 'next'));
      fs.renameSync(path.join(root, 'next'), path.join(root, 'current'));
      expect(await until(async () => (await source.get('b')) !== undefined)).toBe(true);
      // The folder itself removed and made again: still followed.
      fs.rmSync(path.join(root, 'v2'), { recursive: true });
      fs.mkdirSync(path.join(root, 'v2'));
      await new Promise((resolve) => setTimeout(resolve, 2500));
      fs.writeFileSync(path.join(root, 'v2', 'c.md'), article('C'));
      expect(await until(async () => (await source.get('c')) !== undefined)).toBe(true);
    } finally {
      source.close();
      fs.rmSync(root, { recursive: true, force: true });
    }
  }, 30_000);

  it('when the folder is watched and an article is added, changed, broken or removed, then the source follows without a restart', async () => {
    const dir = folderWith({ 'one.md': '---\ntitle: One\npublished: 2026-01-01\n---\nFirst.' });
    const source = await MarkdownArticleSource.load(dir, { watch: true });
    const until = async (check: () => Promise<boolean>) => {
      for (let i = 0; i < 200 && !(await check()); i += 1) await new Promise((resolve) => setTimeout(resolve, 25));
      return check();
    };
    try {
      fs.writeFileSync(path.join(dir, 'two.md'), '---\ntitle: Two\npublished: 2026-01-02\n---\nSecond.');
      expect(await until(async () => (await source.get('two')) !== undefined)).toBe(true);
      fs.writeFileSync(path.join(dir, 'one.md'), '---\ntitle: One, corrected\npublished: 2026-01-01\n---\nFirst.');
      expect(await until(async () => (await source.get('one'))?.title === 'One, corrected')).toBe(true);
      fs.writeFileSync(path.join(dir, 'two.md'), '---\ntitle: [broken\n---\n');
      expect(await until(async () => (await source.get('two')) === undefined)).toBe(true);
      expect((await source.get('one'))?.title).toBe('One, corrected');
      fs.rmSync(path.join(dir, 'one.md'));
      expect(await until(async () => (await source.list()).length === 0)).toBe(true);
    } finally {
      source.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
