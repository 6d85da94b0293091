import { claimedCrawler, crawlerOfHostName, isLinkPreview } from './user-agents';

describe('crawler claims and link previews by User-Agent', () => {
  it.each([
    ['Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', 'googlebot'],
    ['Googlebot-News', 'googlebot'],
    ['Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36', 'bingbot'],
    ['Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0', undefined],
    [undefined, undefined],
  ])('when the User-Agent is %j, then it claims %j', (userAgent, crawler) => {
    expect(claimedCrawler(userAgent)).toBe(crawler);
  });

  it.each(['facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)', 'Twitterbot/1.0', 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)', 'LinkedInBot/1.0', 'WhatsApp/2.23.20.0', 'Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)'])(
    'when the User-Agent is %j, then it is a link preview',
    (userAgent) => {
      expect(isLinkPreview(userAgent)).toBe(true);
      expect(claimedCrawler(userAgent)).toBeUndefined();
    },
  );

  it('when a browser or nothing asks, then it is no link preview', () => {
    expect(isLinkPreview('Mozilla/5.0 (Macintosh) Safari/605.1.15')).toBe(false);
    expect(isLinkPreview(undefined)).toBe(false);
  });
});

describe("crawler host names on a label boundary", () => {
  it.each([
    ['crawl-66-249-66-1.googlebot.com', 'googlebot'],
    ['crawl-66-249-66-1.GOOGLEBOT.com.', 'googlebot'],
    ['rate-limited-proxy-66-249-90-77.google.com', 'googlebot'],
    ['msnbot-157-55-39-1.search.msn.com', 'bingbot'],
    ['evilgooglebot.com', undefined],
    ['crawl.evilgooglebot.com', undefined],
    ['googlebot.com.evil.example', undefined],
    ['notgoogle.com', undefined],
    ['msn.com', undefined],
    ['evil-search.msn.com.example', undefined],
    // Google's proxies act for whoever asks them: their name proves nothing about Googlebot.
    ['google-proxy-66-249-83-1.google.com', undefined],
    ['GOOGLE-PROXY-66-249-83-1.google.com.', undefined],
  ])('when the PTR name is %j, then it is under the domains of %j', (name, crawler) => {
    expect(crawlerOfHostName(name)).toBe(crawler);
  });
});
