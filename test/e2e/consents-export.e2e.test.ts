import request from 'supertest';
import { describeMode, modes, startTestApp, type TestApp } from '../support/test-app';
import { signUp } from '../support/http';


function parseCsv(text: string): string[][] {
  return text
    .trim()
    .split('\r\n')
    .map((line) => line.match(/("([^"]|"")*"|[^,]*)(,|$)/g)!.filter((c) => c !== '').map((c) => c.replace(/,$/, '').replace(/^"|"$/g, '').replace(/""/g, '"')));
}

for (const mode of modes) {
  describeMode(mode)(`consent export (${mode})`, () => {
    let t: TestApp;
    let key: string;
    beforeAll(async () => {
      t = await startTestApp(mode);
      key = (await t.deps.admin.apiKeys.create('tests')).key;
      for (let i = 0; i < 3; i += 1) await signUp(t.app);
      // Records from an earlier month, written as the application would have written them.
      await t.deps.consent.policies.recordConsents('old-account', [{ document: 'terms', policyVersion: '1', wording: 'Old, "quoted" wording', method: 'signup' }], new Date('2026-01-15T10:00:00Z'));
    });
    afterAll(() => t.close());
    const csv = (query = '') => request(t.app).get(`/admin/api/consents.csv${query}`).set('Authorization', `Bearer ${key}`);

    it('when all records are exported, then a CSV with a header and one row per record, oldest first', async () => {
      const response = await csv().expect(200);
      expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(response.headers['content-disposition']).toBe('attachment; filename="consents.csv"');
      const rows = parseCsv(response.text);
      expect(rows[0]).toEqual(['consent_id', 'account_id', 'document', 'version', 'method', 'wording', 'accepted_at']);
      expect(rows).toHaveLength(1 + 3 * 2 + 1);
      expect(rows[1]).toEqual([expect.any(String), 'old-account', 'terms', '1', 'signup', 'Old, "quoted" wording', '2026-01-15T10:00:00.000Z']);
    });

    it('when filtered by document and dates, then only matching records', async () => {
      const privacy = parseCsv((await csv('?document=privacy').expect(200)).text);
      expect(privacy.slice(1).every((r) => r[2] === 'privacy')).toBe(true);
      expect(privacy).toHaveLength(1 + 3);
      const january = parseCsv((await csv('?from=2026-01-01&to=2026-01-31').expect(200)).text);
      expect(january.slice(1).map((r) => r[1])).toEqual(['old-account']);
      const sinceFebruary = parseCsv((await csv('?from=2026-02-01T00:00:00Z&document=&to=').expect(200)).text);
      expect(sinceFebruary).toHaveLength(1 + 6);
    });

    it('when a filter is malformed, then 400 naming it; without credentials 401', async () => {
      const bad = await csv('?document=cookies&from=yesterday').expect(400);
      expect(Object.keys(bad.body.fields).sort()).toEqual(['document', 'from']);
      await request(t.app).get('/admin/api/consents.csv').expect(401);
    });
  });
}
