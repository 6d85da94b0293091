import fs from 'node:fs';
import path from 'node:path';

/**
 * The folders of src/, lowest first: a file may import from its own folder or from a folder
 * of a lower tier, never from a higher one or from another folder of its own tier. README's
 * architecture section shows the same map.
 */
const tiers: readonly (readonly string[])[] = [
  ['config'],
  ['store'],
  ['http'],
  ['mail'],
  ['funnel', 'consent', 'crawlers'],
  ['meter'],
  ['auth', 'billing', 'institutions', 'gifts'],
  ['articles', 'account', 'admin'],
  ['.', 'cli'],
];

const srcDir = __dirname;
const tierOf = new Map(tiers.flatMap((folders, tier) => folders.map((folder) => [folder, tier] as const)));

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

/** The folder of src/ a file is in ('.' for src/ itself). */
function folderOf(file: string): string {
  const relative = path.relative(srcDir, file);
  return relative.includes(path.sep) ? relative.split(path.sep)[0]! : '.';
}

/** Every relative import of a file (static, dynamic and re-exports), resolved to a file path. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]!);
  return specifiers.map((s) => path.resolve(path.dirname(file), s));
}

interface Edge {
  readonly from: string;
  readonly to: string;
  readonly file: string;
}

function edges(): Edge[] {
  return sourceFiles(srcDir).flatMap((file) =>
    importsOf(file)
      .filter((target) => target.startsWith(srcDir))
      .map((target) => ({ from: folderOf(file), to: folderOf(target), file: path.relative(srcDir, file) }))
      .filter((edge) => edge.from !== edge.to),
  );
}

describe('architecture: imports between folders run one way', () => {
  it('when a folder is under src/, then it has a tier', () => {
    const folders = fs.readdirSync(srcDir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    expect(folders.filter((folder) => !tierOf.has(folder))).toEqual([]);
  });

  it('when a file imports from another folder, then that folder is of a lower tier', () => {
    const wrong = edges()
      .filter((edge) => tierOf.get(edge.to)! >= tierOf.get(edge.from)!)
      .map((edge) => `${edge.file} imports ${edge.to} (tier ${tierOf.get(edge.to)}) from ${edge.from} (tier ${tierOf.get(edge.from)})`);
    expect(wrong).toEqual([]);
  });

  it('when a file imports from another product folder, then only from its module file', () => {
    const products = new Set(['funnel', 'consent', 'crawlers', 'meter', 'auth', 'billing', 'institutions', 'gifts', 'articles', 'account', 'admin']);
    const wrong = sourceFiles(srcDir).flatMap((file) =>
      importsOf(file)
        .filter((target) => target.startsWith(srcDir) && products.has(folderOf(target)) && folderOf(target) !== folderOf(file))
        .filter(() => folderOf(file) !== 'cli')
        .filter((target) => !path.basename(target).endsWith('.module'))
        .map((target) => `${path.relative(srcDir, file)} imports ${path.relative(srcDir, target)}`),
    );
    expect(wrong).toEqual([]);
  });

  it('when the checker reads an import, then it sees it (a check that could not fail would prove nothing)', () => {
    const seen = edges();
    expect(seen.length).toBeGreaterThan(20);
    expect(seen.some((edge) => edge.from === '.' && edge.to === 'config')).toBe(true);
  });
});
