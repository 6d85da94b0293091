import { sql } from 'kysely';
import type { Clock } from '../config/clock';
import type { Db } from '../store/database';
import type { NewsletterConsent, NewsletterMethod } from './newsletter';

/** One newsletter record of an account, as /account and the data export show it. */
export interface NewsletterRecord {
  readonly wording: string;
  readonly version: string;
  readonly method: NewsletterMethod;
  readonly at: string;
}

/** A reader opted in now, as the publisher's mail tool takes them. */
export interface NewsletterSubscriber {
  readonly email: string;
  readonly optedInAt: string;
  readonly version: string;
  readonly method: string;
}

/**
 * The newsletter's consent records, in the append-only consents table: the state of an
 * account is its latest record (a withdrawal or not), nothing is ever updated.
 */
export class NewsletterRepository {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** Oldest first (the latest is the state now). */
  async recordsOf(accountId: string): Promise<NewsletterRecord[]> {
    const rows = await this.db
      .selectFrom('consents')
      .select(['wording', 'policy_version', 'method', 'accepted_at'])
      .where('account_id', '=', accountId)
      .where('document', '=', 'newsletter')
      .orderBy('accepted_at')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({ wording: r.wording, version: r.policy_version, method: r.method as NewsletterMethod, at: r.accepted_at }));
  }

  async append(accountId: string, consent: NewsletterConsent): Promise<void> {
    await this.db
      .insertInto('consents')
      .values({ account_id: accountId, document: 'newsletter', policy_version: consent.policyVersion, wording: consent.wording, method: consent.method, accepted_at: new Date(this.clock()).toISOString() })
      .execute();
  }

  /**
   * The accounts whose latest newsletter record is an opt-in, with the email they have now,
   * from a database cursor (constant memory whatever their number). Erased accounts' records
   * match no account and drop out.
   */
  async *subscribers(): AsyncGenerator<NewsletterSubscriber> {
    const query = this.db
      .selectFrom('consents as c')
      .innerJoin('accounts as a', 'a.id', 'c.account_id')
      .select(['a.email', 'c.accepted_at', 'c.policy_version', 'c.method', 'c.id'])
      .where('c.document', '=', 'newsletter')
      .where('c.method', '<>', 'withdraw')
      // Only addresses whose owner proved the mailbox: anyone can sign up with someone else's email.
      .where('a.email_verified_at', 'is not', null)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('consents as later')
              .select(sql`1`.as('one'))
              .whereRef('later.account_id', '=', 'c.account_id')
              .where('later.document', '=', 'newsletter')
              .where((eb) => eb.or([eb('later.accepted_at', '>', eb.ref('c.accepted_at')), eb.and([eb('later.accepted_at', '=', eb.ref('c.accepted_at')), eb('later.id', '>', eb.ref('c.id'))])])),
          ),
        ),
      )
      .orderBy('c.id');
    for await (const r of query.stream(500)) yield { email: r.email, optedInAt: r.accepted_at, version: r.policy_version, method: r.method };
  }
}
