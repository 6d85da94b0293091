import type { Db } from '../store/database';

export const policyDocuments = ['terms', 'privacy'] as const;
export type PolicyDocument = (typeof policyDocuments)[number];
export type ConsentMethod = 'signup' | 'reaccept';

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

export class PoliciesRepository {
  constructor(private readonly db: Db) {}

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

  async consentsOf(accountId: string): Promise<ConsentRecord[]> {
    const rows = await this.db
      .selectFrom('consents')
      .selectAll()
      .where('account_id', '=', accountId)
      .orderBy('accepted_at')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      id: Number(r.id),
      accountId: r.account_id,
      document: r.document,
      policyVersion: r.policy_version,
      wording: r.wording,
      method: r.method,
      acceptedAt: r.accepted_at,
    }));
  }
}
