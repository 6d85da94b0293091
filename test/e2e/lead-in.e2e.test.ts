import request from 'supertest';
import { describeMode, modes, startTestApp, type TestApp } from '../support/test-app';
import { meterSettingsOf } from '../support/meter-settings';
import { blockMarker, leadInBlocks, leadInShown, makeFixtureContent } from '../support/fixture-content';
import type { MeterSettings } from '../../src/meter/meter-settings';

function jsonLdOf(html: string): Record<string, unknown> {
  const match = /<script type="application\/ld\+json">([^<]*)<\/script>/.exec(html);
  if (!match) throw new Error('no JSON-LD on the page');
  return JSON.parse(match[1]!) as Record<string, unknown>;
}

for (const mode of modes) {
  describeMode(mode)(`the lead-in a reader at the gate is sent (${mode})`, () => {
    let t: TestApp;
    let apiKey: string;
    const settings = meterSettingsOf(() => t, () => apiKey);

    beforeAll(async () => {
      t = await startTestApp(mode, { env: { CONTENT_DIR: makeFixtureContent() } });
      apiKey = (await t.deps.admin.apiKeys.create('tests')).key;
    });
    afterAll(() => t.close());
    beforeEach(() => settings({}));

    it('when an article has few paragraphs or blocks other than paragraphs, then a reader at the gate gets only the lead-in paragraphs, nowhere else in the response', async () => {
      const walls: [Partial<MeterSettings>, string][] = [[{ anonymousLimit: 0 }, 'registration-wall'], [{ sections: { news: 'premium' } }, 'paywall']];
      for (const [patch, decision] of walls) {
        await settings(patch);
        for (const slug of Object.keys(leadInShown)) {
          const wall = await request(t.app).get(`/articles/${slug}`).expect(200);
          expect(wall.headers['x-access-decision']).toBe(decision);
          const whole = JSON.stringify(wall.headers) + wall.text;
          for (let n = 1; n <= leadInBlocks[slug]!; n += 1) {
            if (leadInShown[slug]!.includes(n)) expect(whole).toContain(blockMarker(slug, n));
            else expect(whole).not.toContain(blockMarker(slug, n));
          }
          // The publisher's own summary is the description; nothing of the body is.
          expect(wall.text).toContain('<meta name="description" content="The publisher summary.">');
          expect(jsonLdOf(wall.text).description).toBe('The publisher summary.');
          const api = await request(t.app).get(`/api/access/${slug}`);
          for (let n = 1; n <= leadInBlocks[slug]!; n += 1) expect(api.text).not.toContain(blockMarker(slug, n));
        }
      }
      // A teaser longer than the article still leaves its last paragraph out.
      await settings({ anonymousLimit: 0, teaserParagraphs: 50 });
      const long = await request(t.app).get('/articles/lead-mixed');
      for (const n of [2, 5, 7]) expect(long.text).toContain(blockMarker('lead-mixed', n));
      for (const n of [1, 3, 4, 6, 8]) expect(long.text).not.toContain(blockMarker('lead-mixed', n));
    });

    it('when a reader may read on, then every block of a short or mixed article is sent', async () => {
      for (const slug of Object.keys(leadInShown)) {
        const page = await request(t.app).get(`/articles/${slug}`).expect(200);
        expect(page.headers['x-access-decision']).toBe('metered');
        for (let n = 1; n <= leadInBlocks[slug]!; n += 1) expect(page.text).toContain(blockMarker(slug, n));
      }
    });
  });
}
