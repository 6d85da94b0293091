import { parseOidcProviders } from './oidc-config';

const google = { OIDC_GOOGLE_ISSUER: 'https://accounts.google.com', OIDC_GOOGLE_CLIENT_ID: 'id.apps.googleusercontent.com', OIDC_GOOGLE_CLIENT_SECRET: 'secret' };
const apple = { OIDC_APPLE_ISSUER: 'https://appleid.apple.com', OIDC_APPLE_CLIENT_ID: 'com.example.web', OIDC_APPLE_CLIENT_SECRET: 'jwt' };

describe('parseOidcProviders', () => {
  it('when OIDC_PROVIDERS is unset or empty, then there are no providers and no problems', () => {
    expect(parseOidcProviders({})).toEqual({ providers: [], problems: [] });
    expect(parseOidcProviders({ OIDC_PROVIDERS: ' , ' })).toEqual({ providers: [], problems: [] });
  });

  it('when a provider has its block, then it is parsed, lower-cased, labelled and frozen, in the listed order', () => {
    const { providers, problems } = parseOidcProviders({ OIDC_PROVIDERS: 'Apple, google', ...google, ...apple });
    expect(problems).toEqual([]);
    expect(providers.map((p) => p.name)).toEqual(['apple', 'google']);
    expect(providers[1]).toMatchObject({ name: 'google', label: 'Google', clientId: google.OIDC_GOOGLE_CLIENT_ID, clientSecret: 'secret', responseMode: 'query', trustEmail: true });
    expect(providers[1]!.issuer.href).toBe('https://accounts.google.com/');
    expect(Object.isFrozen(providers[0])).toBe(true);
  });

  it("when the issuer is Apple's, then it answers by form_post unless told otherwise", () => {
    expect(parseOidcProviders({ OIDC_PROVIDERS: 'apple', ...apple }).providers[0]!.responseMode).toBe('form_post');
    expect(parseOidcProviders({ OIDC_PROVIDERS: 'apple', ...apple, OIDC_APPLE_RESPONSE_MODE: 'query' }).providers[0]!.responseMode).toBe('query');
  });

  it('when a label is given, then it is used; an unknown name gets its own capitalised', () => {
    const env = { OIDC_PROVIDERS: 'google,corp', ...google, OIDC_GOOGLE_LABEL: 'Google Workspace', OIDC_CORP_ISSUER: 'https://login.corp.example', OIDC_CORP_CLIENT_ID: 'a', OIDC_CORP_CLIENT_SECRET: 'b' };
    expect(parseOidcProviders(env).providers.map((p) => p.label)).toEqual(['Google Workspace', 'Corp']);
  });

  it('when a setting is missing, then each problem names the variable', () => {
    const { providers, problems } = parseOidcProviders({ OIDC_PROVIDERS: 'google' });
    expect(providers).toEqual([]);
    expect(problems).toEqual([expect.stringContaining('OIDC_GOOGLE_ISSUER'), expect.stringContaining('OIDC_GOOGLE_CLIENT_ID'), expect.stringContaining('OIDC_GOOGLE_CLIENT_SECRET')]);
  });

  it('when the issuer is not https, then it is refused, except for a provider on this machine', () => {
    const on = (issuer: string) => parseOidcProviders({ OIDC_PROVIDERS: 'google', ...google, OIDC_GOOGLE_ISSUER: issuer });
    expect(on('http://accounts.google.com').problems).toEqual([expect.stringContaining('only for a provider on this machine')]);
    expect(on('ftp://accounts.google.com').problems).toEqual([expect.stringContaining('must be an https:// URL')]);
    expect(on('not a url').problems).toEqual([expect.stringContaining('must be an https:// URL')]);
    for (const local of ['http://127.0.0.1:9000', 'http://localhost:9000', 'http://[::1]:9000']) expect(on(local).problems).toEqual([]);
  });

  it('when names repeat, are not letters and digits, or name a step of the flow, then they are refused', () => {
    const env = { ...google };
    expect(parseOidcProviders({ OIDC_PROVIDERS: 'google,GOOGLE', ...env }).problems).toEqual([expect.stringContaining('distinct names')]);
    expect(parseOidcProviders({ OIDC_PROVIDERS: 'my-idp' }).problems).toEqual([expect.stringContaining('"my-idp"')]);
    expect(parseOidcProviders({ OIDC_PROVIDERS: '1login' }).problems).toEqual([expect.stringContaining('"1login"')]);
    for (const step of ['confirm', 'verify', 'callback']) expect(parseOidcProviders({ OIDC_PROVIDERS: step }).problems).toEqual([expect.stringContaining(`/signin/oidc/${step} is a step`)]);
  });

  it("when OIDC_<NAME>_TRUST_EMAIL is unset, then only Google's and Apple's issuers are trusted to verify emails; set, it decides", () => {
    const corp = { OIDC_CORP_ISSUER: 'https://login.microsoftonline.com/common/v2.0', OIDC_CORP_CLIENT_ID: 'a', OIDC_CORP_CLIENT_SECRET: 'b' };
    const trust = (env: Record<string, string>) => Object.fromEntries(parseOidcProviders({ OIDC_PROVIDERS: 'google,apple,corp', ...google, ...apple, ...corp, ...env }).providers.map((p) => [p.name, p.trustEmail]));
    expect(trust({})).toEqual({ google: true, apple: true, corp: false });
    expect(trust({ OIDC_GOOGLE_TRUST_EMAIL: 'false', OIDC_CORP_TRUST_EMAIL: 'TRUE' })).toEqual({ google: false, apple: true, corp: true });
    // The name is not what counts: "google" pointed at another issuer is not trusted.
    expect(parseOidcProviders({ OIDC_PROVIDERS: 'google', ...google, OIDC_GOOGLE_ISSUER: 'https://accounts.google.com.example' }).providers[0]!.trustEmail).toBe(false);
  });

  it('when OIDC_<NAME>_TRUST_EMAIL is neither true nor false, then it is refused', () => {
    const { providers, problems } = parseOidcProviders({ OIDC_PROVIDERS: 'google', ...google, OIDC_GOOGLE_TRUST_EMAIL: 'yes' });
    expect(providers).toEqual([]);
    expect(problems).toEqual([expect.stringContaining('OIDC_GOOGLE_TRUST_EMAIL must be true or false')]);
  });

  it('when the response mode or label is out of bounds, then it is refused', () => {
    expect(parseOidcProviders({ OIDC_PROVIDERS: 'google', ...google, OIDC_GOOGLE_RESPONSE_MODE: 'fragment' }).problems).toEqual([expect.stringContaining('OIDC_GOOGLE_RESPONSE_MODE must be query or form_post')]);
    expect(parseOidcProviders({ OIDC_PROVIDERS: 'google', ...google, OIDC_GOOGLE_LABEL: 'x'.repeat(41) }).problems).toEqual([expect.stringContaining('OIDC_GOOGLE_LABEL must be at most 40')]);
  });
});
