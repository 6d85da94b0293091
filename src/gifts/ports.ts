/** An article a gift link may be made for: its identity (the meter's: the Markdown slug or the origin article's), the path readers open and its title. */
export interface GiftableArticle {
  readonly identity: string;
  readonly path: string;
  readonly title: string;
}

/** What gifts asks of articles: the article at a path of this site, or undefined (articles satisfies it). */
export interface ArticleAt {
  articleAt(path: string): Promise<GiftableArticle | undefined>;
}

/** Whether an account is a subscriber now, from the entitlements table (meter's repository satisfies it). */
export interface SubscriberCheck {
  entitlementOf(accountId: string, now: Date): Promise<'none' | 'subscriber'>;
}
