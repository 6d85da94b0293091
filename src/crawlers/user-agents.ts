/** The crawlers a publisher may let through (the meter setting `crawlers` names the same). */
export const crawlerNames = ['googlebot', 'bingbot'] as const;
export type CrawlerName = (typeof crawlerNames)[number];

// Google's crawlers that fetch pages for Search all carry "Googlebot" (Googlebot-News,
// Googlebot-Image...); Bing's carry "bingbot".
const claims: readonly (readonly [CrawlerName, RegExp])[] = [
  ['googlebot', /googlebot/i],
  ['bingbot', /bingbot/i],
];

const linkPreviewAgents = /facebookexternalhit|twitterbot|slackbot|linkedinbot|whatsapp|discordbot/i;

/** The crawler a User-Agent claims to be. A claim proves nothing until it is verified. */
export function claimedCrawler(userAgent: string | undefined): CrawlerName | undefined {
  if (userAgent === undefined) return undefined;
  return claims.find(([, pattern]) => pattern.test(userAgent))?.[0];
}

/** Link previews (chat apps, social sites) fetch a page to show its title and summary. */
export function isLinkPreview(userAgent: string | undefined): boolean {
  return userAgent !== undefined && linkPreviewAgents.test(userAgent);
}

/** The names under which each crawler's addresses resolve, as Google and Bing document. */
export const crawlerDomains: Readonly<Record<CrawlerName, readonly string[]>> = {
  googlebot: ['googlebot.com', 'google.com'],
  bingbot: ['search.msn.com'],
};

/**
 * Google's own proxies (`google-proxy-*.google.com`: Translate and other fetchers acting for
 * a person) resolve under google.com too, and may pass on the User-Agent of whoever asked
 * them: a request through one proves nothing about Googlebot.
 */
const proxyNames = /^google-proxy-/;

/** The crawler whose domains hold this host name, on a label boundary (`evilgooglebot.com` is not Google's). */
export function crawlerOfHostName(hostName: string): CrawlerName | undefined {
  const name = hostName.toLowerCase().replace(/\.$/, '');
  if (proxyNames.test(name)) return undefined;
  return crawlerNames.find((crawler) => crawlerDomains[crawler].some((domain) => name === domain || name.endsWith(`.${domain}`)));
}
