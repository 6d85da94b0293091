import type { Logger } from 'pino';
import { documentTitles, policyDocuments, type Policy, type PoliciesRepository, type PolicyDocument } from './policies.repository';

export type AcceptedVersions = Partial<Record<PolicyDocument, string>>;

/**
 * The sentence the re-acceptance page shows for one changed document, and records word for
 * word as that document's consent: it names that document only.
 */
export function reacceptWording(policy: Pick<Policy, 'document' | 'version'>): string {
  return `We have updated our ${documentTitles[policy.document]} (version ${policy.version}). By selecting "Accept and continue" you agree to this version.`;
}

/** The page's heading, naming only the documents that changed. */
export function reacceptHeading(pending: readonly Pick<Policy, 'document'>[]): string {
  const names = pending.map((p) => documentTitles[p.document]);
  return `Our ${names.join(' and ')} ${names.length > 1 ? 'have' : 'has'} changed`;
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
export class ConsentService {
  private cache: { policies: Policy[]; at: number } | undefined;

  constructor(
    private readonly repository: PoliciesRepository,
    private readonly logger: Logger,
    private readonly cacheMs = 30_000,
  ) {}

  async policies(nowMs = Date.now()): Promise<Policy[]> {
    if (this.cache !== undefined && nowMs - this.cache.at < this.cacheMs) return this.cache.policies;
    const policies = await this.repository.all();
    this.cache = { policies, at: nowMs };
    return policies;
  }

  async pending(accepted: AcceptedVersions, now: Date = new Date()): Promise<Policy[]> {
    return pendingFor(await this.policies(now.getTime()), accepted, now);
  }

  acceptedBy(accountId: string): Promise<AcceptedVersions> {
    return this.repository.acceptedBy(accountId);
  }

  /** Records acceptance of exactly the versions shown; returns the reader's accepted versions. */
  async accept(accountId: string, shown: Policy[]): Promise<void> {
    await this.repository.recordConsents(accountId, shown.map((p) => ({ document: p.document, policyVersion: p.version, wording: reacceptWording(p), method: 'reaccept' as const })));
    this.logger.info({ accountId, versions: shown.map((p) => `${p.document}@${p.version}`) }, 'policies re-accepted');
  }

  async publish(policy: Policy): Promise<boolean> {
    const published = await this.repository.publish(policy);
    this.cache = undefined;
    return published;
  }
}
