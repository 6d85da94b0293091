import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { makeFixtureContent } from '../support/fixture-content';
import { startTestApp, type TestApp } from '../support/test-app';

/** Waits (bounded) until the running app answers what a newly written file says. */
async function until(check: () => Promise<boolean>): Promise<boolean> {
  for (let i = 0; i < 200 && !(await check()); i += 1) await new Promise((resolve) => setTimeout(resolve, 25));
  return check();
}

describe('publishing without a restart (CONTENT_DIR is watched)', () => {
  let t: TestApp;
  let dir: string;

  beforeAll(async () => {
    dir = makeFixtureContent();
    fs.writeFileSync(path.join(dir, 'broken-at-start.md'), '---\ntitle: [unclosed\n---\nBody');
    t = await startTestApp('embedded', { env: { CONTENT_DIR: dir } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('when the folder holds a bad file at start, then the site starts and serves the others', async () => {
    await request(t.app).get('/').expect(200);
    expect(t.deps.articles.source).toBeDefined();
    await request(t.app).get('/articles/broken-at-start').expect(404);
  });

  it('when an editor writes a new article file, then it is on the site and the front page without a restart', async () => {
    fs.writeFileSync(path.join(dir, 'fresh-off-the-press.md'), '---\ntitle: Fresh off the press\naccess: free\npublished: 2026-11-30\n---\nFRESHMARKER one.\n\nTwo.\n');
    expect(await until(async () => (await request(t.app).get('/articles/fresh-off-the-press')).status === 200)).toBe(true);
    expect((await request(t.app).get('/articles/fresh-off-the-press').expect(200)).text).toContain('FRESHMARKER');
    expect((await request(t.app).get('/').expect(200)).text).toContain('Fresh off the press');
  });

  it('when the file is removed, then the article is gone', async () => {
    fs.rmSync(path.join(dir, 'fresh-off-the-press.md'));
    expect(await until(async () => (await request(t.app).get('/articles/fresh-off-the-press')).status === 404)).toBe(true);
  });
});
