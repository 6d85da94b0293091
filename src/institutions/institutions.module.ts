import type Redis from 'ioredis';
import type { Logger } from 'pino';
import type { Clock } from '../config/clock';
import type { DatabaseHandle } from '../store/database';
import { InstitutionCheckService } from './institution-check';
import { monthOf, type Month } from './institution-readers';
import { InstitutionReadersRecorder } from './institution-readers.recorder';
import { RedisInstitutionReadersStore } from './institution-readers.redis';
import { SqlInstitutionReadersStore } from './institution-readers.sql';
import type { Institution, InstitutionRef } from './institutions';
import { InstitutionsRepository } from './institutions.repository';
import { InstitutionsService } from './institutions.service';
import { VerifiedEmails, type AccountEmails } from './verified-emails';

export type { FieldErrors, Institution, InstitutionRef } from './institutions';
export type { Month } from './institution-readers';
export type { AccountEmails } from './verified-emails';
export { institutionLimits, parseInstitutions } from './institutions';
export { monthOf, monthPattern } from './institution-readers';
export { institutionsTtlMs } from './institutions.service';

export interface InstitutionsDeps {
  readonly database: DatabaseHandle;
  /** With Redis, the monthly readers in HyperLogLogs; without, exact rows in SQL. */
  readonly redis: Redis | undefined;
  readonly keyPrefix: string;
  /** Signed-in readers' emails and whether they are verified (auth's accounts repository). */
  readonly accounts: AccountEmails;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** An institution's distinct readers in a month. */
export interface InstitutionReaders extends InstitutionRef {
  readonly readers: number;
}

/** What the admin reads and writes. */
export interface InstitutionsAdmin {
  /** Read afresh from the database. */
  list(): Promise<readonly Institution[]>;
  /** Replaces the list whole; undefined when another admin saved at the same moment. */
  replace(institutions: readonly Institution[]): Promise<readonly Institution[] | undefined>;
  /** Distinct readers per institution now listed, in a UTC calendar month. */
  readersIn(month: Month): Promise<{ readonly month: Month; readonly approximate: boolean; readonly institutions: readonly InstitutionReaders[] }>;
  /** The month in progress (UTC). */
  thisMonth(): Month;
}

export interface InstitutionsModule {
  /** For the article visitor: who an institution covers, and their monthly figures. */
  readonly check: InstitutionCheckService;
  readonly admin: InstitutionsAdmin;
  /** Writes the buffered monthly figures now. */
  flush(): Promise<void>;
  /** Stops the figures' timer and writes what is buffered. */
  close(): Promise<void>;
}

/** Institutional access (SPEC section 13): the list, matching on a view, and readers per month. */
export function buildInstitutions(deps: InstitutionsDeps): InstitutionsModule {
  const { database, clock, logger } = deps;
  const service = new InstitutionsService({ repository: new InstitutionsRepository(database.db, clock), clock, logger });
  const store = deps.redis === undefined ? new SqlInstitutionReadersStore(database.db) : new RedisInstitutionReadersStore(deps.redis, { keyPrefix: deps.keyPrefix });
  const readers = new InstitutionReadersRecorder({ store, logger, clock });
  readers.start();
  const verifiedEmails = new VerifiedEmails({ accounts: deps.accounts, clock, logger });
  const check = new InstitutionCheckService({ institutions: service, verifiedEmails, readers });
  const admin: InstitutionsAdmin = {
    list: () => service.list(),
    replace: (institutions) => service.replace(institutions),
    async readersIn(month) {
      const listed = await service.list();
      const counts = await readers.counts(month, listed.map((i) => i.id));
      return { month, approximate: readers.approximate, institutions: listed.map((i) => ({ id: i.id, name: i.name, readers: counts.get(i.id) ?? 0 })) };
    },
    thisMonth: () => monthOf(clock()),
  };
  return { check, admin, flush: () => readers.flush(), close: () => readers.close() };
}
