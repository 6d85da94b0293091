import type { Request } from 'express';
import { clientAddress } from '../http/network';
import type { InstitutionReadersRecorder } from './institution-readers.recorder';
import type { InstitutionRef } from './institutions';
import type { InstitutionsService } from './institutions.service';
import type { VerifiedEmails } from './verified-emails';

/**
 * Who an institution covers on a view: the address as TRUST_PROXY resolves it, in one of its
 * ranges, first (memory only); else a signed-in reader's verified email in one of its
 * domains (from a short cache). The institutions themselves come from a copy refreshed every
 * few seconds.
 */
export class InstitutionCheckService {
  constructor(
    private readonly deps: {
      readonly institutions: Pick<InstitutionsService, 'current'>;
      readonly verifiedEmails: Pick<VerifiedEmails, 'of'>;
      readonly readers: Pick<InstitutionReadersRecorder, 'record'>;
    },
  ) {}

  async institutionOf(req: Request): Promise<InstitutionRef | undefined> {
    const { directory } = await this.deps.institutions.current();
    const byAddress = directory.byAddress(clientAddress(req));
    if (byAddress !== undefined) return byAddress;
    const accountId = req.user?.id;
    if (accountId === undefined || !directory.hasEmailDomains) return undefined;
    const email = await this.deps.verifiedEmails.of(accountId);
    return email === undefined ? undefined : directory.byEmail(email);
  }

  countReader(institutionId: string, readerKey: string): void {
    this.deps.readers.record(institutionId, readerKey);
  }
}
