import type { Request } from 'express';
import type { Access, GatedArticle, GateMode, GateResult, Reader } from '../meter/meter.module';

/** What articles ask of the meter: one decision per view. */
export interface ArticleGate {
  decide(article: GatedArticle, reader: Reader, mode: GateMode): Promise<GateResult>;
  anonymousAccessOf(article: GatedArticle): Promise<{ readonly access: Access; readonly metered: boolean; readonly teaserParagraphs: number }>;
}

/** A plan as the paywall shows it (billing's plans satisfy this). */
export interface DisplayPlan {
  readonly priceId: string;
  readonly name: string;
  readonly description: string;
}

/** The plans offered on the paywall, kept briefly by billing so a wall view costs no query; with an account, whether its trial is still offered. */
export interface PlansForDisplay {
  listForDisplay(accountId?: string): Promise<readonly DisplayPlan[]>;
}

/** Who is asking, beyond the reader cookie: a verified search-engine crawler, or a link preview (crawlers satisfies it). */
export interface CrawlerCheck {
  verify(userAgent: string | undefined, address: string): Promise<{ readonly verified: boolean }>;
  isLinkPreview(userAgent: string | undefined): boolean;
}

/**
 * Whether an institution covers the reader: their address in one of its ranges, or a
 * verified email in one of its domains (institutions satisfies it). Answered from memory on
 * a view (no query beyond the meter's); `countReader` adds them to its monthly figures.
 */
export interface InstitutionCheck {
  institutionOf(req: Request): Promise<{ readonly id: string; readonly name: string } | undefined>;
  countReader(institutionId: string, readerKey: string): void;
}

/**
 * Whether a gift link's token opens this article for this reader (gifts satisfies it).
 * `count`: a page view, which takes one of the link's reader slots (once per reader).
 */
export interface GiftCheck {
  admit(token: string, article: string, readerKey: string | undefined, count: boolean): Promise<boolean>;
}
