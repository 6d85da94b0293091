import { Migrator, type Migration, type MigrationResultSet } from 'kysely';
import type { Db } from './database';
import * as accountsAndConsent from './migrations/0001-accounts-and-consent';
import * as consentsAppendOnly from './migrations/0002-consents-append-only';
import * as seedPolicies from './migrations/0003-seed-policies';
import * as meterSettingsKeys from './migrations/0004-meter-settings-keys';
import * as billing from './migrations/0005-billing';
import * as passwordResets from './migrations/0006-password-resets';
import * as consentErasure from './migrations/0007-consent-erasure';
import * as funnel from './migrations/0008-funnel';
import * as emailLinks from './migrations/0009-email-links';
import * as newReaderNetworks from './migrations/0010-new-reader-networks';
import * as originPurges from './migrations/0011-origin-purges';
import * as signInMethods from './migrations/0012-sign-in-methods';
import * as trials from './migrations/0013-trials';
import * as institutions from './migrations/0014-institutions';
import * as gifts from './migrations/0015-gifts';
import * as newsletter from './migrations/0016-newsletter';
import * as groups from './migrations/0017-groups';
import * as trialClaims from './migrations/0018-trial-claims';

/** Listed in code, not read from a folder, so the same list runs from src/ and dist/. */
const migrations: Record<string, Migration> = {
  '0001-accounts-and-consent': accountsAndConsent,
  '0002-consents-append-only': consentsAppendOnly,
  '0003-seed-policies': seedPolicies,
  '0004-meter-settings-keys': meterSettingsKeys,
  '0005-billing': billing,
  '0006-password-resets': passwordResets,
  '0007-consent-erasure': consentErasure,
  '0008-funnel': funnel,
  '0009-email-links': emailLinks,
  '0010-new-reader-networks': newReaderNetworks,
  '0011-origin-purges': originPurges,
  '0012-sign-in-methods': signInMethods,
  '0013-trials': trials,
  '0014-institutions': institutions,
  '0015-gifts': gifts,
  '0016-newsletter': newsletter,
  '0017-groups': groups,
  '0018-trial-claims': trialClaims,
};

function migratorFor(db: Db): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: 'gatehouse_migrations',
    migrationLockTableName: 'gatehouse_migrations_lock',
  });
}

export class MigrationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

/** Applies every pending migration; returns the names applied. */
export async function migrateToLatest(db: Db): Promise<string[]> {
  const { error, results }: MigrationResultSet = await migratorFor(db).migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new MigrationError(`migration ${failed} failed: ${String(error)}`, { cause: error });
  }
  return (results ?? []).map((r) => r.migrationName);
}

export async function pendingMigrations(db: Db): Promise<string[]> {
  const all = await migratorFor(db).getMigrations();
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name);
}
