import { fingerprintSetOf, fingerprintsOf } from './fingerprints';
import { scrubJson } from './json-scrub';

describe('scrubJson', () => {
  const set = fingerprintSetOf(fingerprintsOf(['The auditors found m9x payments to a shell company in Leeds.']));

  it('when strings carry a gated paragraph (as HTML or entity-encoded), then they become empty and the rest is kept', () => {
    const value = {
      id: 12,
      title: { rendered: 'Audit' },
      content: { rendered: '<p>The auditors <em>found</em> m9x payments to a shell company in Leeds.</p>' },
      excerpt: ['Found m9x payments to a shell company &amp; more'],
      ok: true,
      none: null,
    };
    expect(scrubJson(value, set)).toEqual({ id: 12, title: { rendered: 'Audit' }, content: { rendered: '' }, excerpt: [''], ok: true, none: null });
  });

  it('when scrubbing, then the input is not changed', () => {
    const value = { text: 'auditors found m9x payments to a shell' };
    scrubJson(value, set);
    expect(value.text).toBe('auditors found m9x payments to a shell');
  });
});
