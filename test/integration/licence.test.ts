import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../src/config/paths';

describe('licence', () => {
  it('when a publisher checks whether it may deploy Gatehouse, then package.json and LICENSE both say MIT', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { license?: string };
    expect(manifest.license).toBe('MIT');
    const licence = fs.readFileSync(path.join(packageRoot, 'LICENSE'), 'utf8');
    expect(licence).toMatch(/^MIT License/);
    expect(licence).toContain('Permission is hereby granted, free of charge');
  });
});
