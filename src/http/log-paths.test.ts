import { loggablePath } from './log-paths';

describe('loggablePath', () => {
  it.each([
    ['/password/reset/AbC123_-xyz', '/password/reset/[redacted]'],
    ['/PASSWORD/Reset/AbC123_-xyz', '/PASSWORD/Reset/[redacted]'],
    ['/signin/email/tok3n?returnTo=/x', '/signin/email/[redacted]'],
    ['/account/verify/tok3n/', '/account/verify/[redacted]/'],
    ['/groups/join/Inv1te_tok', '/groups/join/[redacted]'],
  ])('when a path carries a token (%s), then the log gets %s', (url, expected) => {
    expect(loggablePath(url)).toBe(expected);
  });

  it('when a path carries no token, then only its query string goes', () => {
    expect(loggablePath('/signin/email/code?x=1')).toBe('/signin/email/code');
    expect(loggablePath('/articles/harbour-bridge-reopens?utm_source=x')).toBe('/articles/harbour-bridge-reopens');
    // A gift link's token is in its query: gone with it.
    expect(loggablePath('/articles/harbour-bridge-reopens?gift=secretToken')).toBe('/articles/harbour-bridge-reopens');
  });
});
