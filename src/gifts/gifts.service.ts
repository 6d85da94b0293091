import type { Clock } from '../config/clock';
import { meterWindow, type MeterSettingsSource } from '../meter/meter.module';
import { giftReaderHash, giftTokenHash, isGiftTokenShaped, newGiftToken } from './gift-token';
import type { GiftLinkRow, GiftsRepository } from './gifts.repository';
import type { ArticleAt, SubscriberCheck } from './ports';

const dayMs = 24 * 60 * 60 * 1000;

export type GiveOutcome =
  | { readonly kind: 'given'; readonly url: string; readonly expiresAt: Date; readonly title: string; readonly path: string; readonly readerLimit: number; readonly left: number }
  | { readonly kind: 'not-subscriber' }
  | { readonly kind: 'not-article' }
  | { readonly kind: 'all-used'; readonly perMonth: number };

export interface GiftLinkView extends GiftLinkRow {
  readonly expired: boolean;
}

export interface GiftsServiceDeps {
  readonly repository: GiftsRepository;
  readonly settings: MeterSettingsSource;
  readonly subscribers: SubscriberCheck;
  readonly articles: ArticleAt;
  readonly publicUrl: URL;
  readonly clock: Clock;
  /** The session secret: readers are kept as keyed hashes. */
  readonly secret: string;
}

/**
 * Gift links (SPEC section 13). A link is the article's own address with `?gift=<token>`:
 * the token opens that one article, for `linkDays` days, for `linkReaders` distinct readers,
 * and is nothing else: it names no giver and signs no one in.
 */
export class GiftsService {
  constructor(private readonly deps: GiftsServiceDeps) {}

  /** The calendar month in the meter's time zone (UTC for a rolling meter), as its start. */
  private monthStart(nowMs: number, period: { kind: string; timeZone?: string }): Date {
    const timeZone = period.kind === 'calendar-month' && period.timeZone !== undefined ? period.timeZone : 'UTC';
    return new Date(meterWindow({ kind: 'calendar-month', timeZone }, nowMs).startMs);
  }

  async give(accountId: string, path: string): Promise<GiveOutcome> {
    const nowMs = this.deps.clock();
    const now = new Date(nowMs);
    if ((await this.deps.subscribers.entitlementOf(accountId, now)) !== 'subscriber') return { kind: 'not-subscriber' };
    const article = await this.deps.articles.articleAt(path);
    if (article === undefined) return { kind: 'not-article' };
    const { value: settings } = await this.deps.settings.current();
    const { perMonth, linkDays, linkReaders } = settings.gifts;
    const monthStart = this.monthStart(nowMs, settings.period);
    const token = newGiftToken();
    const expiresAt = new Date(nowMs + linkDays * dayMs);
    const id = await this.deps.repository.createWithin(
      { tokenHash: giftTokenHash(token), giverId: accountId, article: article.identity, articlePath: article.path, articleTitle: article.title, createdAt: now, expiresAt, readerLimit: linkReaders },
      monthStart,
      perMonth,
    );
    if (id === undefined) return { kind: 'all-used', perMonth };
    const url = new URL(article.path, this.deps.publicUrl);
    url.searchParams.set('gift', token);
    const left = Math.max(0, perMonth - (await this.deps.repository.countSince(accountId, monthStart)));
    return { kind: 'given', url: url.href, expiresAt, title: article.title, path: article.path, readerLimit: linkReaders, left };
  }

  /**
   * Whether this token opens this article for this reader. `count`: a page view, which takes
   * a reader slot (once per reader); otherwise a peek, which takes none and answers whether
   * the reader holds one or one is free.
   */
  async admit(token: string, article: string, readerKey: string | undefined, count: boolean): Promise<boolean> {
    if (!isGiftTokenShaped(token)) return false;
    const link = await this.deps.repository.openLink(giftTokenHash(token), article, new Date(this.deps.clock()));
    if (link === undefined) return false;
    const reader = readerKey === undefined ? undefined : giftReaderHash(this.deps.secret, readerKey);
    if (!count || reader === undefined) return (reader !== undefined && (await this.deps.repository.isReader(link.id, reader))) || link.readers < link.readerLimit;
    return this.deps.repository.admit(link.id, reader);
  }

  async linksOf(accountId: string): Promise<GiftLinkView[]> {
    const now = new Date(this.deps.clock()).toISOString();
    return (await this.deps.repository.linksOf(accountId)).map((link) => ({ ...link, expired: link.expiresAt <= now }));
  }

  revoke(id: string, accountId: string): Promise<boolean> {
    return this.deps.repository.revoke(id, accountId, new Date(this.deps.clock()));
  }
}
