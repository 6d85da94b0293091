import type { Clock } from '../config/clock';
import { isUniqueViolation, type Db } from '../store/database';

export const policyDocuments = ['terms', 'privacy'] as const;
export type PolicyDocument = (typeof policyDocuments)[number];
/** What a consent record can be about: the published documents, and the newsletter (SPEC section 13). */
export const consentDocuments = [...policyDocuments, 'newsletter'] as const;
export type ConsentDocument = (typeof consentDocuments)[number];
/** How: at sign-up (by password, link or provider), at a document's change, or the newsletter's later opt-in and withdrawal. */
export type ConsentMethod = 'signup' | 'signup-email' | 'signup-oidc' | 'reaccept' | 'optin' | 'withdraw';

export interface Policy {
  readonly document: PolicyDocument;
  readonly version: string;
  readonly body: string;
  readonly effectiveAt: string;
}

export interface ConsentRecord {
  readonly id: number;
  readonly accountId: string;
  readonly document: PolicyDocument;
  readonly policyVersion: string;
  readonly wording: string;
  readonly method: ConsentMethod;
  readonly acceptedAt: string;
}

/** A consent record as the export streams it (the id is a string on PostgreSQL: bigserial). */
export interface ExportedConsent {
  readonly id: number | string;
  readonly accountId: string;
  readonly document: ConsentDocument;
  readonly policyVersion: string;
  readonly method: ConsentMethod;
  readonly wording: string;
  readonly acceptedAt: string;
}

/** Bounds in ISO-8601: `from` inclusive, `to` exclusive. */
export interface ConsentRange {
  readonly document?: ConsentDocument;
  readonly from?: string;
  readonly to?: string;
}

export class PoliciesRepository {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** The version in force at `at`: the latest whose effective date has passed. */
  async current(document: PolicyDocument, at: Date): Promise<Policy | undefined> {
    const row = await this.db
      .selectFrom('policies')
      .select(['document', 'version', 'body', 'effective_at'])
      .where('document', '=', document)
      .where('effective_at', '<=', at.toISOString())
      .orderBy('effective_at', 'desc')
      .orderBy('id', 'desc')
      .executeTakeFirst();
    return row && { document: row.document, version: row.version, body: row.body, effectiveAt: row.effective_at };
  }

  async byVersion(document: PolicyDocument, version: string): Promise<Policy | undefined> {
    const row = await this.db
      .selectFrom('policies')
      .select(['document', 'version', 'body', 'effective_at'])
      .where('document', '=', document)
      .where('version', '=', version)
      .executeTakeFirst();
    return row && { document: row.document, version: row.version, body: row.body, effectiveAt: row.effective_at };
  }

  async all(): Promise<Policy[]> {
    const rows = await this.db.selectFrom('policies').select(['document', 'version', 'body', 'effective_at']).orderBy('effective_at').orderBy('id').execute();
    return rows.map((r) => ({ document: r.document, version: r.version, body: r.body, effectiveAt: r.effective_at }));
  }

  /** Returns false when this document already has this version. */
  async publish(policy: Policy): Promise<boolean> {
    const now = new Date(this.clock());
    try {
      await this.db
        .insertInto('policies')
        .values({ document: policy.document, version: policy.version, body: policy.body, effective_at: policy.effectiveAt, created_at: now.toISOString() })
        .execute();
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  /** The latest version of each document the account accepted. */
  async acceptedBy(accountId: string): Promise<Partial<Record<PolicyDocument, string>>> {
    const accepted: Partial<Record<PolicyDocument, string>> = {};
    for (const c of await this.consentsOf(accountId)) accepted[c.document] = c.policyVersion;
    return accepted;
  }

  /**
   * Appends consent records (append-only: the database refuses changes), accepted now or,
   * for records brought over from elsewhere, at `acceptedAt`.
   */
  async recordConsents(accountId: string, records: { document: ConsentDocument; policyVersion: string; wording: string; method: ConsentMethod }[], acceptedAt: Date = new Date(this.clock())): Promise<void> {
    await this.db
      .insertInto('consents')
      .values(records.map((r) => ({ account_id: accountId, document: r.document, policy_version: r.policyVersion, wording: r.wording, method: r.method, accepted_at: acceptedAt.toISOString() })))
      .execute();
  }

  /** The account's consents to the published documents (the newsletter's records are its own: NewsletterRepository). */
  async consentsOf(accountId: string): Promise<ConsentRecord[]> {
    const rows = await this.db
      .selectFrom('consents')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('document', 'in', policyDocuments)
      .orderBy('accepted_at')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      id: Number(r.id),
      accountId: r.account_id,
      document: r.document as PolicyDocument,
      policyVersion: r.policy_version,
      wording: r.wording,
      method: r.method,
      acceptedAt: r.accepted_at,
    }));
  }

  /** Every consent record in the range, in `accepted_at`, `id` order, from a database cursor. */
  async *consentsIn(range: ConsentRange): AsyncGenerator<ExportedConsent> {
    let query = this.db.selectFrom('consents').select(['id', 'account_id', 'document', 'policy_version', 'wording', 'method', 'accepted_at']).orderBy('accepted_at').orderBy('id');
    if (range.document !== undefined) query = query.where('document', '=', range.document);
    if (range.from !== undefined) query = query.where('accepted_at', '>=', range.from);
    if (range.to !== undefined) query = query.where('accepted_at', '<', range.to);
    for await (const r of query.stream(500)) {
      yield { id: r.id, accountId: r.account_id, document: r.document, policyVersion: r.policy_version, method: r.method, wording: r.wording, acceptedAt: r.accepted_at };
    }
  }
}
