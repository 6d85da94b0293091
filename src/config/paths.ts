import fs from 'node:fs';
import path from 'node:path';

/** The folder holding package.json, whether running from src/ (tests) or dist/src/ (built). */
function findPackageRoot(start: string): string {
  let dir = start;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`package.json not found above ${start}`);
    dir = parent;
  }
  return dir;
}

export const packageRoot = findPackageRoot(__dirname);
export const viewsDir = path.join(packageRoot, 'views');
export const publicDir = path.join(packageRoot, 'public');
export const bundledContentDir = path.join(packageRoot, 'content');
