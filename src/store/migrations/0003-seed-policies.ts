import type { Kysely } from 'kysely';
import { samplePrivacyPolicy, sampleTermsOfUse } from './sample-policies';

/** Version 1 of both documents, so a fresh install can take sign-ups at once. */
export async function up(db: Kysely<any>): Promise<void> {
  const now = new Date().toISOString();
  await db
    .insertInto('policies')
    .values([
      { document: 'terms', version: '1', body: sampleTermsOfUse, effective_at: '2026-01-01T00:00:00.000Z', created_at: now },
      { document: 'privacy', version: '1', body: samplePrivacyPolicy, effective_at: '2026-01-01T00:00:00.000Z', created_at: now },
    ])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.deleteFrom('policies').where('version', '=', '1').execute();
}
