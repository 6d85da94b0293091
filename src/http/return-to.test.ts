import { safeReturnTo } from './return-to';

describe('safeReturnTo', () => {
  it.each([
    ['/articles/harbour-bridge-reopens', '/articles/harbour-bridge-reopens'],
    ['/account?tab=billing#plans', '/account?tab=billing#plans'],
    ['/', '/'],
    ['/a/../account', '/account'],
  ])('when given the same-site path %s, then it is kept as %s', (input, expected) => {
    expect(safeReturnTo(input)).toBe(expected);
  });

  it.each([
    'https://evil.example/',
    '//evil.example/path',
    '/\\evil.example',
    '\\\\evil.example',
    'javascript:alert(1)',
    'articles/relative',
    '/\tevil',
    '/%0d%0aSet-Cookie:x',
    '',
    '/' + 'a'.repeat(3000),
  ])('when given %j, then the front page is used instead', (input) => {
    const result = safeReturnTo(input);
    expect(result.startsWith('//')).toBe(false);
    if (input !== '/%0d%0aSet-Cookie:x') expect(result).toBe('/');
    // Encoded CR/LF stays encoded: it can never split a header.
    expect(result).not.toMatch(/[\r\n]/);
  });

  it.each([
    '/.//evil.example/x',
    '/..//evil.example',
    '/a/..//evil.example',
    '/%2e//evil.example',
    '/%2E%2E//evil.example',
    '/./\\evil.example',
    '/a/b/../..//evil.example',
  ])('when %j normalises into another host, then the front page is used instead', (input) => {
    expect(safeReturnTo(input)).toBe('/');
  });

  it('when given something other than a string, then the front page is used', () => {
    expect(safeReturnTo(undefined)).toBe('/');
    expect(safeReturnTo(['/a', '/b'])).toBe('/');
    expect(safeReturnTo({ path: '/a' })).toBe('/');
  });
});
