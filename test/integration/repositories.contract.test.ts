import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { AccountsRepository, EmailTakenError } from '../../src/auth/accounts.repository';
import { AccountsService, SignupRejected, consentWording as wordingIn } from '../../src/auth/accounts.service';
import { buildMessages } from '../../src/http/i18n';
import { PoliciesRepository } from '../../src/consent/policies.repository';
import { ConsentService } from '../../src/consent/consent.service';
import { PasswordResetsRepository } from '../../src/auth/password-resets.repository';
import { Writable } from 'node:stream';
import { migrateToLatest, pendingMigrations } from '../../src/store/migrate';
import { dialects, openTestDatabase, type TestDatabase } from '../support/databases';
import { haveServices } from '../support/services';
import { TestPgBouncer } from '../support/pgbouncer';
import { openDatabase } from '../../src/store/database';

const messages = buildMessages('en');
const consentWording = wordingIn(messages);

/**
 * The rejection's message. better-sqlite3's native addon keeps the SqliteError class of the
 * first jest module registry in the worker, so a later test file receives an error from
 * another realm, which `rejects.toThrow()` does not recognise as thrown.
 */
async function rejectionMessage(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return String((error as { message?: unknown }).message ?? error);
  }
  throw new Error('expected the operation to be refused');
}

if (!haveServices) {
  it.skip('PostgreSQL contract cases need PostgreSQL (see the warning above)', () => undefined);
}

/** The app's connection through PgBouncer (transaction mode), migrations over a direct one. */
async function throughPgBouncer(): Promise<TestDatabase & { migrationDb: TestDatabase['handle']['db'] }> {
  const bouncer = await TestPgBouncer.start();
  const database = await bouncer.openDatabase();
  const direct = openDatabase({ databaseUrl: database.directUrl, sqliteFile: '' });
  return {
    handle: database.handle,
    migrationDb: direct.db,
    async close() {
      await direct.close();
      await database.close();
      await bouncer.stop();
    },
  };
}

const backends = [...dialects, ...(haveServices ? (['postgres through PgBouncer'] as const) : [])];

describe.each(backends)('repositories on %s', (backend) => {
  let database: TestDatabase & { migrationDb?: TestDatabase['handle']['db'] };
  let accounts: AccountsRepository;
  let policies: PoliciesRepository;

  beforeAll(async () => {
    database = backend === 'postgres through PgBouncer' ? await throughPgBouncer() : await openTestDatabase(backend);
    accounts = new AccountsRepository(database.handle.db, Date.now);
    policies = new PoliciesRepository(database.handle.db, Date.now);
  });
  afterAll(() => database.close());

  const newAccount = (email = `${randomUUID()}@example.com`) => ({
    id: randomUUID(),
    email,
    passwordHash: '$argon2id$fake',
    createdAt: new Date().toISOString(),
  });
  const bothConsents = [
    { document: 'terms' as const, policyVersion: '1', wording: consentWording, method: 'signup' as const },
    { document: 'privacy' as const, policyVersion: '1', wording: consentWording, method: 'signup' as const },
  ];

  it('when migrations run again, then nothing is pending and nothing is applied twice', async () => {
    await expect(migrateToLatest(database.migrationDb ?? database.handle.db)).resolves.toEqual([]);
    await expect(pendingMigrations(database.handle.db)).resolves.toEqual([]);
  });

  it('when an account is created, then it and one consent record per document are stored', async () => {
    const account = newAccount();
    await accounts.createWithConsents(account, bothConsents);
    expect(await accounts.findByEmail(account.email)).toMatchObject({ id: account.id, isAdmin: false, passwordHash: '$argon2id$fake' });
    expect(await accounts.findById(account.id)).not.toHaveProperty('passwordHash');
    const consents = await policies.consentsOf(account.id);
    expect(consents.map((c) => [c.document, c.policyVersion, c.method, c.wording])).toEqual([
      ['terms', '1', 'signup', consentWording],
      ['privacy', '1', 'signup', consentWording],
    ]);
  });

  it('when the email is taken, then EmailTakenError and no consent record is written for the loser', async () => {
    const first = newAccount();
    await accounts.createWithConsents(first, bothConsents);
    const second = { ...newAccount(first.email) };
    await expect(accounts.createWithConsents(second, bothConsents)).rejects.toBeInstanceOf(EmailTakenError);
    expect(await policies.consentsOf(second.id)).toEqual([]);
  });

  it('when the consent insert fails, then the account is rolled back too', async () => {
    const account = newAccount();
    const badConsent = [{ ...bothConsents[0]!, document: 'cookies' as unknown as 'terms' }];
    expect(await rejectionMessage(accounts.createWithConsents(account, badConsent))).toMatch(/check/i);
    expect(await accounts.findByEmail(account.email)).toBeUndefined();
  });

  it('when someone tries to change or delete a consent record, then the database refuses', async () => {
    const account = newAccount();
    await accounts.createWithConsents(account, bothConsents);
    const db = database.handle.db;
    const update = db.updateTable('consents').set({ policy_version: '2' }).where('account_id', '=', account.id).execute();
    expect(await rejectionMessage(update)).toMatch(/append-only/);
    const remove = db.deleteFrom('consents').where('account_id', '=', account.id).execute();
    expect(await rejectionMessage(remove)).toMatch(/append-only/);
    expect(await policies.consentsOf(account.id)).toHaveLength(2);
  });

  it('when an account is erased, then its consent records may take a hashed id once, and nothing else may change', async () => {
    const account = newAccount();
    await accounts.createWithConsents(account, bothConsents);
    const db = database.handle.db;
    const erased = `erased:${'a'.repeat(64)}`;
    await db.updateTable('consents').set({ account_id: erased }).where('account_id', '=', account.id).execute();
    expect(await policies.consentsOf(erased)).toHaveLength(2);
    const again = db.updateTable('consents').set({ account_id: `erased:${'b'.repeat(64)}` }).where('account_id', '=', erased).execute();
    expect(await rejectionMessage(again)).toMatch(/append-only/);
    const sneaky = db.updateTable('consents').set({ account_id: `erased:${'c'.repeat(64)}`, policy_version: '9' }).where('account_id', '=', erased).execute();
    expect(await rejectionMessage(sneaky)).toMatch(/append-only/);
    const back = db.updateTable('consents').set({ account_id: account.id }).where('account_id', '=', erased).execute();
    expect(await rejectionMessage(back)).toMatch(/append-only/);
  });

  it('when a later version is published, then it becomes current only from its effective date', async () => {
    const db = database.handle.db;
    const future = new Date(Date.now() + 86_400_000).toISOString();
    await db.insertInto('policies').values({ document: 'terms', version: '2', body: 'Second', effective_at: future, created_at: new Date().toISOString() }).execute();
    expect((await policies.current('terms', new Date()))?.version).toBe('1');
    expect((await policies.current('terms', new Date(Date.now() + 2 * 86_400_000)))?.version).toBe('2');
    expect((await policies.byVersion('terms', '1'))?.body).toContain('Terms of Use');
    expect(await policies.byVersion('terms', 'nope')).toBeUndefined();
  });

  it('when admin is granted and revoked, then the flag follows, and an unknown email reports false', async () => {
    const account = newAccount();
    await accounts.createWithConsents(account, bothConsents);
    expect(await accounts.setAdmin(account.email, true)).toBe(true);
    expect((await accounts.findById(account.id))?.isAdmin).toBe(true);
    expect(await accounts.setAdmin(account.email, false)).toBe(true);
    expect((await accounts.findById(account.id))?.isAdmin).toBe(false);
    expect(await accounts.setAdmin('nobody@example.com', true)).toBe(false);
  });

  it('when the same email signs up twice at once, then exactly one account exists', async () => {
    const consent = new ConsentService({ repository: policies, logger: { info: () => undefined }, clock: Date.now, messages });
    const service = new AccountsService({ accounts, policies: consent, passwordMinLength: 8, clock: Date.now, messages });
    const email = `${randomUUID()}@example.com`;
    const results = await Promise.allSettled([
      service.signUp({ email, password: 'lantern harbour tide' }),
      service.signUp({ email, password: 'lantern harbour tide' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(SignupRejected);
    const { count } = await database.handle.db
      .selectFrom('accounts')
      .select(sql<number>`count(*)`.as('count'))
      .where('email', '=', email)
      .executeTakeFirstOrThrow();
    expect(Number(count)).toBe(1);
  });

  it('when repositories write or compare a time, then it is the injected clock\'s, not the system\'s', async () => {
    const at = Date.parse('2031-05-06T07:08:09.000Z');
    const clocked = new AccountsRepository(database.handle.db, () => at);
    const account = newAccount();
    await clocked.createWithConsents(account, bothConsents);
    await clocked.markEmailVerified(account.id, account.email);
    expect((await clocked.findById(account.id))?.emailVerifiedAt).toBe('2031-05-06T07:08:09.000Z');
    const resetsAt = (ms: number) => new PasswordResetsRepository(database.handle.db, () => ms);
    const token = await resetsAt(at).create(account.id, 60_000);
    expect(await resetsAt(at + 59_000).accountFor(token)).toBe(account.id);
    expect(await resetsAt(at + 61_000).accountFor(token)).toBeUndefined();
  });

  it('when consents are exported through the service, then the range is applied in SQL and rows stream in order', async () => {
    const accountId = `export-${randomUUID()}`;
    const clocked = new PoliciesRepository(database.handle.db, () => Date.parse('2030-02-03T10:00:00.000Z'));
    await clocked.recordConsents(accountId, [{ document: 'terms', policyVersion: '1', wording: 'Before, "quoted"', method: 'reaccept' }], new Date('2030-02-02T23:59:59.000Z'));
    await clocked.recordConsents(accountId, [{ document: 'privacy', policyVersion: '1', wording: 'On the day', method: 'reaccept' }]);
    await clocked.recordConsents(accountId, [{ document: 'terms', policyVersion: '1', wording: 'After', method: 'reaccept' }], new Date('2030-02-04T00:00:00.000Z'));
    const consent = new ConsentService({ repository: clocked, logger: { info: () => undefined }, clock: Date.now, messages });
    let csv = '';
    const out = new Writable({ write: (chunk: Buffer, _encoding, done) => ((csv += chunk.toString()), done()) });
    const rows = await consent.exportCsv({ from: '2030-02-03', to: '2030-02-03' }, out);
    expect(rows).toBe(1);
    expect(csv.split('\r\n')[0]).toBe('consent_id,account_id,document,version,method,wording,accepted_at');
    expect(csv).toContain(`,${accountId},privacy,1,reaccept,On the day,2030-02-03T10:00:00.000Z\r\n`);
    csv = '';
    expect(await consent.exportCsv({ document: 'terms', from: '2030-02-02T00:00:00Z', to: '2030-02-04' }, out)).toBe(2);
    expect(csv.indexOf('Before, ""quoted""')).toBeLessThan(csv.indexOf('After'));
  });
});
