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
  for (const [slug, body] of Object.entries(leadInFixtures)) write(slug, { section: 'news', title: `Lead-in case ${slug}`, summary: 'The publisher summary.' }, body);
  return dir;
}

/** A marker word of a lead-in fixture: block `n` of article `slug`. */
export const blockMarker = (slug: string, n: number) => `QUILL${slug.replace(/-/g, '')}B${n}Q`;
const m = blockMarker;

/**
 * Articles whose every block carries its own marker word, for the lead-in rule; with the
 * default teaser of 2, `shown` lists the blocks a reader at the gate may be sent.
 */
export const leadInFixtures: Record<string, string> = {
  'lead-one': `${m('lead-one', 1)} is the only paragraph.`,
  'lead-two': `## ${m('lead-two', 1)} heading\n\n${m('lead-two', 2)} first paragraph.\n\n- ${m('lead-two', 3)} list item\n\n${m('lead-two', 4)} second paragraph.`,
  'lead-mixed': [
    `## ${m('lead-mixed', 1)} heading`,
    `${m('lead-mixed', 2)} first paragraph.`,
    `> ${m('lead-mixed', 3)} quoted.`,
    `| ${m('lead-mixed', 4)} | cell |\n| --- | --- |\n| a | b |`,
    `${m('lead-mixed', 5)} second paragraph.`,
    `1. ${m('lead-mixed', 6)} listed`,
    `${m('lead-mixed', 7)} third paragraph.`,
    `${m('lead-mixed', 8)} fourth paragraph.`,
  ].join('\n\n'),
  'lead-none': `## ${m('lead-none', 1)} heading\n\n- ${m('lead-none', 2)} list only`,
};

/** The blocks of each lead-in fixture a gated reader may see with a teaser of 2. */
export const leadInShown: Record<string, number[]> = { 'lead-one': [], 'lead-two': [2], 'lead-mixed': [2, 5], 'lead-none': [] };
export const leadInBlocks: Record<string, number> = { 'lead-one': 1, 'lead-two': 4, 'lead-mixed': 8, 'lead-none': 2 };
