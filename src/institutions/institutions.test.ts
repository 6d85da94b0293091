import { institutionLimits, parseInstitutions } from './institutions';

const city = { id: 'city-library', name: 'City Library', ipRanges: ['203.0.113.0/24', '2001:db8::/48'], emailDomains: ['library.example'] };
const fieldsOf = (input: unknown) => {
  const parsed = parseInstitutions(input);
  return parsed.ok ? {} : parsed.fields;
};

describe('parseInstitutions: the whole list a PUT replaces', () => {
  it('when the list is valid, then it is kept, trimmed, ranges canonical and domains lower-cased; absent lists are empty', () => {
    const parsed = parseInstitutions([{ ...city, name: ' City Library ', ipRanges: ['2001:0DB8:0::/48'], emailDomains: ['Library.EXAMPLE'] }, { id: 'campus', name: 'Campus' }]);
    expect(parsed).toEqual({
      ok: true,
      value: [
        { id: 'city-library', name: 'City Library', ipRanges: ['2001:db8::/48'], emailDomains: ['library.example'] },
        { id: 'campus', name: 'Campus', ipRanges: [], emailDomains: [] },
      ],
    });
    expect(parseInstitutions([])).toEqual({ ok: true, value: [] });
  });

  it('when ids are malformed or repeated, then each is named', () => {
    expect(fieldsOf([{ ...city, id: 'City Library' }, { ...city, id: '-x', ipRanges: [], emailDomains: [] }, { ...city, id: 'a'.repeat(64), ipRanges: [], emailDomains: [] }])).toEqual({
      '0.id': expect.stringMatching(/lower-case/),
      '1.id': expect.stringMatching(/lower-case/),
      '2.id': expect.stringMatching(/lower-case/),
    });
    expect(fieldsOf([city, { ...city, ipRanges: [], emailDomains: [] }])).toEqual({ '1.id': 'is already the id of institution 0' });
  });

  it('when a name is empty or longer than 120 characters, then it is named', () => {
    expect(fieldsOf([{ ...city, name: '  ' }])).toEqual({ '0.name': 'must be 1 to 120 characters' });
    expect(fieldsOf([{ ...city, name: 'n'.repeat(121) }])).toEqual({ '0.name': 'must be 1 to 120 characters' });
    expect(fieldsOf([{ ...city, name: 'n'.repeat(120) }])).toEqual({});
  });

  it('when ranges are bad, then each is named by its index with what is wrong', () => {
    const fields = fieldsOf([{ ...city, ipRanges: ['203.0.113.0/24', '0.0.0.0/0', '::/0', '203.0.113.5/24', 'nonsense', '10.1/8'] }]);
    expect(Object.keys(fields)).toEqual(['0.ipRanges.1', '0.ipRanges.2', '0.ipRanges.3', '0.ipRanges.4', '0.ipRanges.5']);
    expect(fields['0.ipRanges.1']).toMatch(/too broad/);
    expect(fields['0.ipRanges.3']).toMatch(/did you mean 203\.0\.113\.0\/24/);
  });

  it('when one range or domain is given to two institutions, then the second is refused; a repeat within one is kept once', () => {
    const other = { id: 'other', name: 'Other', ipRanges: ['203.0.113.0/24'], emailDomains: ['LIBRARY.example'] };
    expect(fieldsOf([city, other])).toEqual({ '1.ipRanges.0': '203.0.113.0/24 is already a range of "city-library"', '1.emailDomains.0': 'library.example is already a domain of "city-library"' });
    expect(parseInstitutions([{ ...city, ipRanges: ['203.0.113.0/24', '203.0.113.0/24'], emailDomains: ['a.example', 'A.example'] }])).toMatchObject({ ok: true, value: [{ ipRanges: ['203.0.113.0/24'], emailDomains: ['a.example'] }] });
  });

  it('when email domains are bad, then each is named: a leading dot, one label, an address, an email, bad characters', () => {
    const fields = fieldsOf([{ ...city, emailDomains: ['.library.example', 'edu', '203.0.113.7', 'me@library.example', 'lib_rary.example', '-lib.example', 'bücher.example', 'xn--bcher-kva.example'] }]);
    expect(Object.keys(fields)).toEqual(['0.emailDomains.0', '0.emailDomains.1', '0.emailDomains.2', '0.emailDomains.3', '0.emailDomains.4', '0.emailDomains.5', '0.emailDomains.6']);
    expect(fields['0.emailDomains.0']).toMatch(/must not start with a dot/);
  });

  it('when the shape is wrong, then the field is named: not a list, unknown keys, wrong types', () => {
    expect(fieldsOf({})).toEqual({ body: 'must be a list of institutions' });
    expect(fieldsOf([{ ...city, seats: 3 }])).toEqual({ '0.seats': 'is not an institution field' });
    expect(fieldsOf([{ ...city, ipRanges: '203.0.113.0/24' }])).toEqual({ '0.ipRanges': 'must be a list of ranges' });
    expect(fieldsOf([{ name: 'x' }])).toMatchObject({ '0.id': 'must be a string' });
  });

  it('when the list holds more than 1000 institutions or 10,000 ranges, then it is refused whole', () => {
    const many = Array.from({ length: institutionLimits.institutions + 1 }, (_, i) => ({ id: `i${i}`, name: 'x' }));
    expect(fieldsOf(many)).toEqual({ body: 'must list at most 1000 institutions' });
    const ranges = Array.from({ length: institutionLimits.ranges + 1 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`);
    expect(fieldsOf([{ ...city, ipRanges: ranges }])).toEqual({ body: 'must hold at most 10000 ranges in all (10001 given)' });
  });
});
