import { statusOf, type NewsletterService, type NewsletterStatus } from './newsletter.service';
import type { NewsletterRecord } from './newsletter.repository';

/**
 * The newsletter's part of /account (views/account-newsletter.eta, `it.sections.newsletter`)
 * and of the reader's data export: the shape of the account module's AccountSection port.
 */
export interface NewsletterSection {
  readonly name: 'newsletter';
  pageData(accountId: string): Promise<NewsletterStatus>;
  exportData(accountId: string): Promise<{ subscribed: boolean; records: NewsletterRecord[] }>;
}

export function newsletterSection(service: NewsletterService): NewsletterSection {
  return {
    name: 'newsletter',
    pageData: (accountId) => service.status(accountId),
    async exportData(accountId) {
      const records = await service.records(accountId);
      return { subscribed: statusOf(records).subscribed, records };
    },
  };
}
