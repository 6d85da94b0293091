import type { Router } from 'express';
import type { Clock } from '../config/clock';
import type { Messages } from '../http/i18n';
import type { MeterSettingsSource } from '../meter/meter.module';
import type { DatabaseHandle } from '../store/database';
import { giftRoutes } from './gifts.controller';
import { GiftsRepository } from './gifts.repository';
import { GiftsService } from './gifts.service';
import type { ArticleAt, SubscriberCheck } from './ports';

export type { ArticleAt, GiftableArticle, SubscriberCheck } from './ports';
export type { GiftLinkView, GiveOutcome } from './gifts.service';

export interface GiftsDeps {
  readonly database: DatabaseHandle;
  readonly settings: MeterSettingsSource;
  readonly subscribers: SubscriberCheck;
  /** Resolves `POST /gifts`'s path; articles are built after gifts, so asked late. */
  readonly articles: ArticleAt;
  readonly publicUrl: URL;
  readonly clock: Clock;
  readonly secret: string;
  readonly messages: Messages;
}

export interface GiftsModule {
  /** For the article visitor (articles' GiftCheck): whether a `?gift=` token opens the article for the reader. */
  readonly check: { admit(token: string, article: string, readerKey: string | undefined, count: boolean): Promise<boolean> };
  /** `POST /gifts`, `POST /account/gifts/:id/revoke`. */
  readonly routes: Router;
  /** The subscriber's links on /account (views/account-gifts.eta) and in the data export (account's AccountSection). */
  readonly accountSection: { readonly name: 'gifts'; pageData(accountId: string): Promise<unknown>; exportData(accountId: string): Promise<unknown> };
  readonly service: GiftsService;
}

export function buildGifts(deps: GiftsDeps): GiftsModule {
  const service = new GiftsService({ repository: new GiftsRepository(deps.database), settings: deps.settings, subscribers: deps.subscribers, articles: deps.articles, publicUrl: deps.publicUrl, clock: deps.clock, secret: deps.secret });
  return {
    service,
    check: { admit: (token, article, readerKey, count) => service.admit(token, article, readerKey, count) },
    routes: giftRoutes({ service, messages: deps.messages }),
    accountSection: {
      name: 'gifts',
      pageData: async (accountId) => ({ links: await service.linksOf(accountId) }),
      // The links themselves are not in the export: their tokens are not kept, and readers are hashes.
      exportData: async (accountId) => (await service.linksOf(accountId)).map(({ articlePath, articleTitle, createdAt, expiresAt, revokedAt, readers, readerLimit }) => ({ articlePath, articleTitle, createdAt, expiresAt, revokedAt, readers, readerLimit })),
    },
  };
}
