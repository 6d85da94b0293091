import { ConfigError, parseConfig } from './config';

const problemsOf = (env: Record<string, string>) => {
  try {
    parseConfig(env);
  } catch (error) {
    return (error as ConfigError).problems;
  }
  return [];
};

describe('crawler settings (SPEC section 12)', () => {
  it('when CRAWLER_IP_RANGES and CRAWLER_DNS_SERVERS are unset, then no ranges and the system resolvers', () => {
    expect(parseConfig({})).toMatchObject({ crawlerIpRanges: {}, crawlerDnsServers: undefined });
  });

  it('when each crawler names a file or URL, then both are kept', () => {
    const config = parseConfig({ CRAWLER_IP_RANGES: 'googlebot=https://developers.google.com/static/search/apis/ipranges/googlebot.json, bingbot=/etc/gatehouse/bingbot.json' });
    expect(config.crawlerIpRanges).toEqual({ googlebot: 'https://developers.google.com/static/search/apis/ipranges/googlebot.json', bingbot: '/etc/gatehouse/bingbot.json' });
  });

  it.each(['yandex=/x.json', 'googlebot', 'googlebot=/a.json,googlebot=/b.json', 'googlebot=/a.json,'])('when CRAWLER_IP_RANGES is %j, then the error names the variable', (value) => {
    expect(problemsOf({ CRAWLER_IP_RANGES: value })).toEqual([expect.stringMatching(/^CRAWLER_IP_RANGES must be a comma-separated list of googlebot=/)]);
  });

  it('when DNS servers are IPv4 or IPv6 addresses with or without a port, then the resolver gets host:port', () => {
    expect(parseConfig({ CRAWLER_DNS_SERVERS: '127.0.0.1:5353, 8.8.8.8, [2001:4860:4860::8888]:53, ::1' }).crawlerDnsServers).toEqual(['127.0.0.1:5353', '8.8.8.8:53', '[2001:4860:4860::8888]:53', '[::1]:53']);
  });

  it('when CRAWLER_DNS_SERVERS is empty, then the system resolvers', () => {
    expect(parseConfig({ CRAWLER_DNS_SERVERS: ' ' }).crawlerDnsServers).toBeUndefined();
  });

  it.each(['dns.google:53', '127.0.0.1:0', '127.0.0.1:70000', '300.1.1.1'])('when CRAWLER_DNS_SERVERS is %j, then the error names the variable', (value) => {
    expect(problemsOf({ CRAWLER_DNS_SERVERS: value })).toEqual([expect.stringMatching(/^CRAWLER_DNS_SERVERS must be a comma-separated list of IP addresses/)]);
  });
});
