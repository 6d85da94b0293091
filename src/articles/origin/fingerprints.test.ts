import { fingerprintSetOf, fingerprintsOf, matches, MutableFingerprintSet, normaliseText } from './fingerprints';

describe('normaliseText', () => {
  it('when text has case, punctuation and compatibility forms, then it is lower-case words separated by single spaces', () => {
    expect(normaliseText('  The Mayor’s  “office” — ﬁnally,\nCLOSED!  ')).toBe('the mayor s office finally closed');
  });
});

describe('fingerprintsOf', () => {
  it('when a paragraph has 8 words, then it gives one fingerprint per 6-word run', () => {
    expect(fingerprintsOf(['one two three four five six seven eight'])).toHaveLength(3);
  });

  it('when a paragraph has 3 to 5 words, then it gives one fingerprint of the whole; fewer give none', () => {
    expect(fingerprintsOf(['one two three'])).toHaveLength(1);
    expect(fingerprintsOf(['one two'])).toEqual([]);
  });

  it('when the same text is written with other case and punctuation, then the fingerprints are the same', () => {
    expect(fingerprintsOf(['The council voted, late on Tuesday, to close it.'])).toEqual(fingerprintsOf(['the council voted late on tuesday to close it']));
  });

  it('when fingerprints are computed, then they are 16 hex digits and different texts differ', () => {
    const [a] = fingerprintsOf(['alpha beta gamma delta epsilon zeta']);
    const [b] = fingerprintsOf(['alpha beta gamma delta epsilon eta']);
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(a).not.toBe(b);
  });
});

describe('matches', () => {
  const set = fingerprintSetOf(fingerprintsOf(['The investigation found that the contracts were signed twice.']));

  it('when a text quotes six words of a fingerprinted paragraph, then it matches', () => {
    expect(matches('Read on: found that the CONTRACTS were signed, and more', set)).toBe(true);
  });

  it('when a text shares only five words in a row, then it does not match', () => {
    expect(matches('the contracts were signed twice', set)).toBe(false);
  });
});

describe('MutableFingerprintSet', () => {
  it('when owners add and remove fingerprints, then a fingerprint stays while any owner has it and the version moves on change only', () => {
    const set = new MutableFingerprintSet();
    set.add('/a', ['f1', 'f2']);
    set.add('/b', ['f2']);
    const version = set.version;
    set.add('/a', ['f2', 'f1']);
    expect(set.version).toBe(version);
    set.remove('/a');
    expect([set.has('f1'), set.has('f2')]).toEqual([false, true]);
    expect(set.version).toBe(version + 1);
    set.remove('/b');
    set.remove('/b');
    expect([set.has('f2'), set.version]).toEqual([false, version + 2]);
  });

  it('when an owner replaces its fingerprints, then its old ones are gone', () => {
    const set = new MutableFingerprintSet();
    set.add('/a', ['f1']);
    set.add('/a', ['f3']);
    expect([set.has('f1'), set.has('f3')]).toEqual([false, true]);
  });
});
