import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { runCli } from '../../src/cli/commands';
import { openDatabase } from '../../src/store/database';
import { AccountsRepository } from '../../src/auth/accounts.repository';
import { createPostgresDatabase, haveServices } from '../support/services';

function capture() {
  const lines: string[] = [];
  return { lines, io: { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) } };
}

const targets = haveServices ? ['sqlite', 'postgres'] : ['sqlite'];
if (!haveServices) it.skip('the CLI on PostgreSQL needs PostgreSQL', () => undefined);

describe.each(targets)('gatehouse CLI on %s', (target) => {
  let env: NodeJS.ProcessEnv;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-cli-'));
    if (target === 'postgres') {
      const pg = await createPostgresDatabase();
      env = { DATA_DIR: dataDir, DATABASE_URL: pg.url };
      cleanup = pg.drop;
    } else {
      env = { DATA_DIR: dataDir };
      cleanup = async () => fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
  afterAll(() => cleanup());

  it('when migrate runs twice, then the first applies every migration and the second nothing', async () => {
    const first = capture();
    expect(await runCli(['migrate'], env, first.io)).toBe(0);
    expect(first.lines[0]).toMatch(/^Applied: 0001-accounts-and-consent/);
    const second = capture();
    expect(await runCli(['migrate'], env, second.io)).toBe(0);
    expect(second.lines).toEqual(['Database is up to date.']);
  });

  it('when admin grant and revoke name an account, then its admin flag follows', async () => {
    const database = openDatabase({ databaseUrl: env.DATABASE_URL, sqliteFile: path.join(env.DATA_DIR!, 'gatehouse.sqlite') });
    const accounts = new AccountsRepository(database.db, Date.now);
    const id = randomUUID();
    await accounts.createWithConsents({ id, email: 'editor@example.com', passwordHash: 'x', createdAt: new Date().toISOString() }, [
      { document: 'terms', policyVersion: '1', wording: 'w', method: 'signup' },
    ]);
    await accounts.markEmailVerified(id, 'editor@example.com');
    const out = capture();
    expect(await runCli(['admin', 'grant', 'Editor@Example.com'], env, out.io)).toBe(0);
    expect(out.lines).toEqual(['editor@example.com is now an admin.']);
    expect((await accounts.findByEmail('editor@example.com'))?.isAdmin).toBe(true);
    expect(await runCli(['admin', 'revoke', 'editor@example.com'], env, capture().io)).toBe(0);
    expect((await accounts.findByEmail('editor@example.com'))?.isAdmin).toBe(false);
    await database.close();
  });

  it('when passkeys remove names an account, then its passkeys go and the others stay; an unknown email is exit 1', async () => {
    const database = openDatabase({ databaseUrl: env.DATABASE_URL, sqliteFile: path.join(env.DATA_DIR!, 'gatehouse.sqlite') });
    const accounts = new AccountsRepository(database.db, Date.now);
    const [owner, other] = [randomUUID(), randomUUID()];
    for (const [id, email] of [[owner, 'lost-keys@example.com'], [other, 'kept-keys@example.com']] as const) {
      await accounts.createWithConsents({ id, email, passwordHash: 'x', createdAt: new Date().toISOString() }, [{ document: 'terms', policyVersion: '1', wording: 'w', method: 'signup' }]);
    }
    const passkey = (id: string, accountId: string) => ({ id, account_id: accountId, public_key: 'pk', counter: 0, transports: '', name: id, created_at: new Date().toISOString(), last_used_at: null });
    await database.db.insertInto('passkeys').values([passkey(`a-${owner}`, owner), passkey(`b-${owner}`, owner), passkey(`c-${other}`, other)]).execute();
    const out = capture();
    expect(await runCli(['passkeys', 'remove', 'Lost-Keys@example.com'], env, out.io)).toBe(0);
    expect(out.lines).toEqual(['Removed 2 passkeys of lost-keys@example.com.']);
    const left = await database.db.selectFrom('passkeys').select('account_id').where('account_id', 'in', [owner, other]).execute();
    expect(left.map((r) => r.account_id)).toEqual([other]);
    const unknown = capture();
    expect(await runCli(['passkeys', 'remove', 'nobody@example.com'], env, unknown.io)).toBe(1);
    expect(unknown.lines).toEqual(['gatehouse: no account with email nobody@example.com']);
    await database.close();
  });

  it('when admin grant names an account whose email is not verified, then it refuses with exit 1 and grants nothing', async () => {
    const database = openDatabase({ databaseUrl: env.DATABASE_URL, sqliteFile: path.join(env.DATA_DIR!, 'gatehouse.sqlite') });
    const accounts = new AccountsRepository(database.db, Date.now);
    await accounts.createWithConsents({ id: randomUUID(), email: 'squatter@example.com', passwordHash: 'x', createdAt: new Date().toISOString() }, [
      { document: 'terms', policyVersion: '1', wording: 'w', method: 'signup' },
    ]);
    const out = capture();
    expect(await runCli(['admin', 'grant', 'squatter@example.com'], env, out.io)).toBe(1);
    expect(out.lines[0]).toContain('squatter@example.com has not verified its email address');
    // Both ways it names are safe against a squatter: the link confirms only while signed in to the account, and an emailed sign-in removes a password set before.
    expect(out.lines[0]).toContain('while signed in to the account');
    expect(out.lines[0]).toContain('removes any password set before the address was confirmed');
    expect((await accounts.findByEmail('squatter@example.com'))?.isAdmin).toBe(false);
    await database.close();
  });

  it('when the email is unknown, missing or the command wrong, then a non-zero exit and a message', async () => {
    const unknown = capture();
    expect(await runCli(['admin', 'grant', 'nobody@example.com'], env, unknown.io)).toBe(1);
    expect(unknown.lines[0]).toContain('no account with email nobody@example.com');
    expect(await runCli(['admin', 'grant'], env, capture().io)).toBe(2);
    const wrong = capture();
    expect(await runCli(['frobnicate'], env, wrong.io)).toBe(2);
    expect(wrong.lines[0]).toContain('Usage: gatehouse');
  });

  it('when a setting is bad, then the CLI names it and exits 1', async () => {
    const out = capture();
    expect(await runCli(['migrate'], { ...env, DATABASE_URL: 'mysql://nope' }, out.io)).toBe(1);
    expect(out.lines[0]).toContain('DATABASE_URL');
  });
});

describe('gatehouse migrate with MIGRATION_DATABASE_URL', () => {
  (haveServices ? it : it.skip)('when MIGRATION_DATABASE_URL is set, then migrate connects there, not to DATABASE_URL', async () => {
    const pg = await createPostgresDatabase();
    // Nothing listens on port 1: a migrate over DATABASE_URL would fail to connect.
    const env = { DATA_DIR: os.tmpdir(), DATABASE_URL: 'postgres://postgres@127.0.0.1:1/unreachable', MIGRATION_DATABASE_URL: pg.url };
    try {
      const out = capture();
      expect(await runCli(['migrate'], env, out.io)).toBe(0);
      expect(out.lines[0]).toMatch(/^Applied: 0001-accounts-and-consent/);
    } finally {
      await pg.drop();
    }
  });
});

describe('gatehouse admin key', () => {
  it('when a key is created, then it is printed once, listed without the key, verifies, and stops at revocation', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-cli-'));
    const env = { DATA_DIR: dataDir };
    const created = capture();
    expect(await runCli(['admin', 'key', 'create', 'newsroom', 'automation'], env, created.io)).toBe(0);
    const key = created.lines[0]!;
    expect(key).toMatch(/^gh_[A-Za-z0-9_-]{43}$/);
    const id = /Created API key (\S+)\./.exec(created.lines.join('\n'))![1]!;

    const listed = capture();
    expect(await runCli(['admin', 'key', 'list'], env, listed.io)).toBe(0);
    expect(listed.lines.join('\n')).toContain(`${id}  active`);
    expect(listed.lines.join('\n')).toContain('newsroom automation');
    expect(listed.lines.join('\n')).not.toContain(key);

    const database = openDatabase({ databaseUrl: undefined, sqliteFile: path.join(dataDir, 'gatehouse.sqlite') });
    const { ApiKeysRepository } = await import('../../src/admin/api-keys.repository');
    const keys = new ApiKeysRepository(database.db, Date.now);
    expect(await keys.verify(key)).toBe(id);
    const stored = await database.db.selectFrom('api_keys').select('key_hash').executeTakeFirstOrThrow();
    expect(stored.key_hash).not.toContain(key.slice(3));

    expect(await runCli(['admin', 'key', 'revoke', id], env, capture().io)).toBe(0);
    expect(await keys.verify(key)).toBeUndefined();
    expect(await runCli(['admin', 'key', 'revoke', id], env, capture().io)).toBe(1);
    await database.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});
