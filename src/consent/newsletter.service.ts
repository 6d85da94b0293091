import type { Writable } from 'node:stream';
import type { Logger } from 'pino';
import type { Messages } from '../http/i18n';
import { writeCsvLine } from './consents-export';
import { newsletterConsent } from './newsletter';
import type { NewsletterRecord, NewsletterRepository } from './newsletter.repository';

/** The newsletter as /account shows it: subscribed since the latest opt-in, or not. */
export interface NewsletterStatus {
  readonly subscribed: boolean;
  /** When the standing opt-in was given; absent when not subscribed. */
  readonly since?: string;
}

export const newsletterCsvHeader = ['email', 'opted_in_at', 'wording_version', 'method'];

/** The current state is the latest record; none means never asked for. */
export function statusOf(records: readonly NewsletterRecord[]): NewsletterStatus {
  const latest = records.at(-1);
  if (latest === undefined || latest.method === 'withdraw') return { subscribed: false };
  return { subscribed: true, since: latest.at };
}

export interface NewsletterServiceDeps {
  readonly repository: NewsletterRepository;
  readonly messages: Messages;
  readonly logger: Pick<Logger, 'info'>;
}

/** Readers' newsletter consent after sign-up (SPEC section 13): see it, withdraw it, give it again. */
export class NewsletterService {
  constructor(private readonly deps: NewsletterServiceDeps) {}

  async status(accountId: string): Promise<NewsletterStatus> {
    return statusOf(await this.deps.repository.recordsOf(accountId));
  }

  records(accountId: string): Promise<NewsletterRecord[]> {
    return this.deps.repository.recordsOf(accountId);
  }

  /**
   * Appends an opt-in or a withdrawal, unless the reader's state is that already (a form
   * sent twice records once; two racing sends may both append, which changes no state).
   */
  async choose(accountId: string, subscribe: boolean): Promise<NewsletterStatus> {
    const now = await this.status(accountId);
    if (now.subscribed === subscribe) return now;
    await this.deps.repository.append(accountId, newsletterConsent(this.deps.messages, subscribe ? 'optin' : 'withdraw'));
    this.deps.logger.info({ accountId, subscribe }, subscribe ? 'newsletter opted in' : 'newsletter withdrawn');
    return this.status(accountId);
  }

  /** Streams the readers opted in now to `out` as CSV; the number of rows. */
  async exportCsv(out: Writable): Promise<number> {
    await writeCsvLine(out, newsletterCsvHeader);
    let rows = 0;
    for await (const s of this.deps.repository.subscribers()) {
      await writeCsvLine(out, [s.email, s.optedInAt, s.version, s.method]);
      rows += 1;
    }
    return rows;
  }
}
