import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const markerParagraphs = 6;
export const marker = (n: number) => `ZEBRAMARK${n}X`;

/** A content folder for meter tests: numbered metered articles, and articles of each access. */
export function makeFixtureContent(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-content-'));
  const write = (slug: string, front: Record<string, string>, body: string) => {
    const yaml = Object.entries({ title: `Article ${slug}`, published: '2026-11-01', ...front }).map(([k, v]) => `${k}: ${v}`).join('\n');
    fs.writeFileSync(path.join(dir, `${slug}.md`), `---\n${yaml}\n---\n${body}\n`);
  };
  const paragraphs = Array.from({ length: markerParagraphs }, (_, i) => `Paragraph ${i + 1} says ${marker(i + 1)} and more.`).join('\n\n');
  write('marked', { section: 'news', title: 'The marked article', summary: 'A summary anyone may see.' }, `## A heading\n\n${paragraphs}`);
  for (let i = 1; i <= 120; i += 1) write(`m${i}`, { section: 'news' }, 'One.\n\nTwo.\n\nThree.');
  write('free-one', { section: 'news', access: 'free' }, 'Free for all.');
  write('premium-one', { section: 'news', access: 'premium' }, `Premium lead.\n\n${paragraphs}`);
  write('inv-default', { section: 'investigations' }, 'Investigation text.');
  write('inv-free', { section: 'investigations', access: 'free' }, 'An investigation made free.');
  write('puzzle-default', { section: 'puzzles' }, 'A puzzle.');
  return dir;
}
