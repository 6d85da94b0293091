import type { Writable } from 'node:stream';
import type { Logger } from 'pino';
import type { Clock } from '../config/clock';
import { rangeOf, writeConsentsCsv, type ExportFilter } from './consents-export';
import { policyDocuments, type ConsentRecord, type Policy, type PoliciesRepository, type PolicyDocument } from './policies.repository';
import type { Messages } from '../http/i18n';
import type { NewsletterService } from './newsletter.service';

export type AcceptedVersions = Partial<Record<PolicyDocument, string>>;

/** A document's title ("Terms of Use") in the site's language. */
export function documentTitle(messages: Messages, document: PolicyDocument): string {
  return messages.t(document === 'terms' ? 'document.terms' : 'document.privacy');
}

/**
 * The sentence the re-acceptance page shows for one changed document, and records word for
 * word (in the site's language) as that document's consent: it names that document only.
 */
export function reacceptWording(messages: Messages, policy: Pick<Policy, 'document' | 'version'>): string {
  return messages.t('reaccept.wording', { document: documentTitle(messages, policy.document), version: policy.version });
}

/** The page's heading, naming only the documents that changed. */
export function reacceptHeading(messages: Messages, pending: readonly Pick<Policy, 'document'>[]): string {
  const changed = new Set(pending.map((p) => p.document));
  if (changed.size > 1) return messages.t('reaccept.headingBoth');
  return messages.t(changed.has('terms') ? 'reaccept.headingTerms' : 'reaccept.headingPrivacy');
}

/** Which version of a document is in force at `now`, from the list of all versions. */
export function currentOf(policies: readonly Policy[], document: PolicyDocument, now: Date): Policy | undefined {
  let current: Policy | undefined;
  for (const p of policies) if (p.document === document && p.effectiveAt <= now.toISOString() && (current === undefined || p.effectiveAt >= current.effectiveAt)) current = p;
  return current;
}

/** The documents in force now that the reader has not accepted in their current version. */
export function pendingFor(policies: readonly Policy[], accepted: AcceptedVersions, now: Date): Policy[] {
  return policyDocuments.flatMap((d) => {
    const current = currentOf(policies, d, now);
    return current !== undefined && accepted[d] !== current.version ? [current] : [];
  });
}

/**
 * Policy versions for re-acceptance. The list of versions is small and kept in memory for
 * up to 30 s, so page views cost no query; effective dates are applied exactly.
 */
export interface ConsentServiceDeps {
  readonly repository: PoliciesRepository;
  readonly logger: Pick<Logger, 'info'>;
  readonly clock: Clock;
  /** How long the list of versions is kept in memory; 30 s unless a test says otherwise. */
  readonly cacheMs?: number;
  /** The words of the consents recorded at re-acceptance (LOCALE). */
  readonly messages: Messages;
  /** The newsletter's opt-ins, for the admin's export beside the consents (absent where a test builds this alone). */
  readonly newsletter?: Pick<NewsletterService, 'exportCsv'>;
}

export class ConsentService {
  private cache: { policies: Policy[]; at: number } | undefined;
  private readonly repository: PoliciesRepository;
  private readonly cacheMs: number;

  constructor(private readonly deps: ConsentServiceDeps) {
    this.repository = deps.repository;
    this.cacheMs = deps.cacheMs ?? 30_000;
  }

  async policies(): Promise<Policy[]> {
    const nowMs = this.deps.clock();
    if (this.cache !== undefined && nowMs - this.cache.at < this.cacheMs) return this.cache.policies;
    const policies = await this.repository.all();
    this.cache = { policies, at: nowMs };
    return policies;
  }

  async pending(accepted: AcceptedVersions): Promise<Policy[]> {
    const policies = await this.policies();
    return pendingFor(policies, accepted, new Date(this.deps.clock()));
  }

  /**
   * The documents in force now, read afresh (not from the re-acceptance cache): sign-up
   * must name the version a reader was shown.
   */
  async currentPolicies(): Promise<Partial<Record<PolicyDocument, Policy>>> {
    const now = new Date(this.deps.clock());
    const [terms, privacy] = await Promise.all(policyDocuments.map((d) => this.repository.current(d, now)));
    return { ...(terms ? { terms } : {}), ...(privacy ? { privacy } : {}) };
  }

  /** Every version of both documents, read afresh: the admin's list. */
  versions(): Promise<Policy[]> {
    return this.repository.all();
  }

  /** One document: the version in force now, or the named version. */
  document(document: PolicyDocument, version: string | undefined): Promise<Policy | undefined> {
    return version === undefined ? this.repository.current(document, new Date(this.deps.clock())) : this.repository.byVersion(document, version);
  }

  /** An account's consent records, oldest first. */
  consentsOf(accountId: string): Promise<ConsentRecord[]> {
    return this.repository.consentsOf(accountId);
  }

  /** Streams the consent records matching `filter` to `out` as CSV; the number of records. */
  exportCsv(filter: ExportFilter, out: Writable): Promise<number> {
    return writeConsentsCsv(this.repository.consentsIn(rangeOf(filter)), out);
  }

  /** Streams the readers opted in to the newsletter now to `out` as CSV; the number of rows. */
  exportNewsletterCsv(out: Writable): Promise<number> {
    if (this.deps.newsletter === undefined) throw new Error('the newsletter export was not given to the consent service');
    return this.deps.newsletter.exportCsv(out);
  }

  acceptedBy(accountId: string): Promise<AcceptedVersions> {
    return this.repository.acceptedBy(accountId);
  }

  /** Records acceptance of exactly the versions shown; returns the reader's accepted versions. */
  async accept(accountId: string, shown: Policy[]): Promise<void> {
    await this.repository.recordConsents(accountId, shown.map((p) => ({ document: p.document, policyVersion: p.version, wording: reacceptWording(this.deps.messages, p), method: 'reaccept' as const })));
    this.deps.logger.info({ accountId, versions: shown.map((p) => `${p.document}@${p.version}`) }, 'policies re-accepted');
  }

  async publish(policy: Policy): Promise<boolean> {
    const published = await this.repository.publish(policy);
    this.cache = undefined;
    return published;
  }
}
