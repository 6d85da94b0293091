import { AppError } from '../http/app-error';
import type { Mail } from '../mail/mailer';
import type { AccountWithPassword } from './accounts.repository';
import { hashPassword, verifyPassword } from './passwords';
import { PasswordRejected, PasswordsService, recentSignInMs, resetTokenTtlMs, type OwnerProof, type PasswordAccounts, type PasswordResets, type PasswordThrottle } from './passwords.service';
import type { PasswordAttempt } from './signin-throttle';
import { buildMessages } from '../http/i18n';

const network = '203.0.113.0';
const password = 'lantern harbour tide';
const start = Date.parse('2026-03-01T12:00:00.000Z');

/** Accounts by id, as the accounts table holds them. */
class FakeAccounts implements PasswordAccounts {
  readonly rows = new Map<string, AccountWithPassword>();

  add(id: string, email: string, passwordHash: string): void {
    this.rows.set(id, { id, email, passwordHash, hasPassword: passwordHash !== '', isAdmin: false, createdAt: new Date(start).toISOString() });
  }
  async findByEmail(email: string) {
    return [...this.rows.values()].find((a) => a.email === email);
  }
  async findById(id: string) {
    const found = this.rows.get(id);
    if (found === undefined) return undefined;
    const { passwordHash: _omitted, ...account } = found;
    return account;
  }
  async findByIdWithPassword(id: string) {
    return this.rows.get(id);
  }
  async updatePassword(accountId: string, passwordHash: string) {
    this.rows.set(accountId, { ...this.rows.get(accountId)!, passwordHash, hasPassword: true });
  }
}

/** Reset tokens that expire by the fake clock; redeeming spends all of the account's and sets the hash. */
class FakeResets implements PasswordResets {
  readonly tokens = new Map<string, { accountId: string; expiresAt: number; used: boolean }>();
  private next = 0;

  constructor(
    private readonly accounts: FakeAccounts,
    private readonly clock: () => number,
  ) {}

  async create(accountId: string, ttlMs: number) {
    const token = `token-${(this.next += 1)}`;
    this.tokens.set(token, { accountId, expiresAt: this.clock() + ttlMs, used: false });
    return token;
  }
  async accountFor(token: string) {
    const row = this.tokens.get(token);
    return row !== undefined && !row.used && row.expiresAt > this.clock() ? row.accountId : undefined;
  }
  async redeem(token: string, passwordHash: string) {
    const accountId = await this.accountFor(token);
    if (accountId === undefined) return undefined;
    await this.spendAllOf(accountId);
    await this.accounts.updatePassword(accountId, passwordHash);
    return accountId;
  }
  async spendAllOf(accountId: string) {
    for (const row of this.tokens.values()) if (row.accountId === accountId) row.used = true;
  }
}

/** Allows every try unless told to refuse; records what was taken and given back. */
class FakeThrottle implements PasswordThrottle {
  refuseFor: number | undefined;
  readonly tries: string[] = [];
  readonly givenBack: string[] = [];

  async recheck(accountId: string, from: string): Promise<PasswordAttempt> {
    this.tries.push(`${accountId}|${from}`);
    if (this.refuseFor !== undefined) return { allowed: false, retryAfterSeconds: this.refuseFor };
    return { allowed: true, succeeded: async () => void this.givenBack.push(accountId) };
  }
}

let currentHash: string;
beforeAll(async () => {
  currentHash = await hashPassword(password);
});

function setUp() {
  let now = start;
  const clock = () => now;
  const accounts = new FakeAccounts();
  accounts.add('reader', 'reader@example.com', currentHash);
  accounts.add('linked', 'linked@example.com', '');
  const resets = new FakeResets(accounts, clock);
  const ended: { accountId: string; exceptSid: string | undefined }[] = [];
  const sessions = { destroyAllOf: async (accountId: string, exceptSid?: string) => void ended.push({ accountId, exceptSid }) };
  const sent: Mail[] = [];
  const mailer = { send: async (mail: Mail) => void sent.push(mail) };
  const throttle = new FakeThrottle();
  const service = new PasswordsService({
    accounts,
    resets,
    sessions,
    mailer,
    logger: { error: () => undefined },
    throttle,
    publicUrl: new URL('https://news.example'),
    siteName: 'The Example',
    passwordMinLength: 8,
    redis: undefined,
    keyPrefix: `test-${Math.random()}:`,
    keySecret: 'secret',
    messages: buildMessages('en'),
  });
  return { service, accounts, resets, ended, sent, throttle, advance: (ms: number) => void (now += ms) };
}

const proof = (overrides: Partial<OwnerProof> = {}): OwnerProof => ({ accountId: 'reader', password, network, recentSignIn: false, ...overrides });
/** The reset mail is made after the answer: lets it go out. */
const mailsGoOut = () => new Promise((resolve) => setImmediate(resolve));
const rejection = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);

describe('PasswordsService.forgot', () => {
  it('when the email is known or unknown, then the answer is the same and only the known one is mailed a link', async () => {
    const { service, sent, resets } = setUp();
    await expect(service.forgot('reader@example.com', network)).resolves.toBeUndefined();
    await expect(service.forgot('nobody@example.com', network)).resolves.toBeUndefined();
    await mailsGoOut();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.to).toBe('reader@example.com');
    const token = /https:\/\/news\.example\/password\/reset\/(\S+)/.exec(sent[0]!.text)?.[1];
    expect(token).toBeDefined();
    expect(await resets.accountFor(token!)).toBe('reader');
  });

  it('when one email is asked for a fourth time within the hour from one network, then it is refused with 429 and Retry-After', async () => {
    const { service, sent } = setUp();
    for (let i = 0; i < 3; i += 1) await service.forgot('reader@example.com', network);
    const refused = await rejection(service.forgot('reader@example.com', network));
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).status).toBe(429);
    expect(Number((refused as AppError).headers['Retry-After'])).toBeGreaterThan(0);
    await mailsGoOut();
    expect(sent).toHaveLength(3);
  });

  it('when the per-email bound is spent from other networks, then a network new to the email gets one mail, and only one', async () => {
    const { service, sent } = setUp();
    for (let i = 0; i < 10; i += 1) await service.forgot('reader@example.com', `198.18.0.${i}`);
    await expect(service.forgot('reader@example.com', '198.18.0.99')).resolves.toBeUndefined();
    const again = await rejection(service.forgot('reader@example.com', '198.18.0.99'));
    expect((again as AppError).status).toBe(429);
    await mailsGoOut();
    expect(sent).toHaveLength(11);
  });
});

describe('PasswordsService.reset', () => {
  it('when the token is spent, expired or unknown, then it answers false and changes nothing', async () => {
    const { service, resets, accounts, ended } = setUp();
    const spent = await resets.create('reader', resetTokenTtlMs);
    await resets.spendAllOf('reader');
    await expect(service.reset(spent, 'a new long passphrase')).resolves.toBe(false);
    await expect(service.reset('unknown', 'a new long passphrase')).resolves.toBe(false);
    expect(accounts.rows.get('reader')!.passwordHash).toBe(currentHash);
    expect(ended).toEqual([]);
  });

  it('when the token has passed its 30 minutes, then it answers false', async () => {
    const { service, resets, advance } = setUp();
    const token = await resets.create('reader', resetTokenTtlMs);
    advance(resetTokenTtlMs + 1);
    await expect(service.reset(token, 'a new long passphrase')).resolves.toBe(false);
  });

  it('when the new password breaks the rules, then it is rejected and the token stays usable', async () => {
    const { service, resets } = setUp();
    const token = await resets.create('reader', resetTokenTtlMs);
    for (const bad of ['short', 'password1', 'reader']) {
      const refused = await rejection(service.reset(token, bad));
      expect(refused).toBeInstanceOf(PasswordRejected);
      expect((refused as PasswordRejected).field).toBe('password');
    }
    await expect(resets.accountFor(token)).resolves.toBe('reader');
  });

  it('when the token is good, then the password is set, every session ends and the other tokens are spent', async () => {
    const { service, resets, accounts, ended } = setUp();
    const token = await resets.create('reader', resetTokenTtlMs);
    const other = await resets.create('reader', resetTokenTtlMs);
    await expect(service.reset(token, 'a new long passphrase')).resolves.toBe(true);
    expect(await verifyPassword(accounts.rows.get('reader')!.passwordHash, 'a new long passphrase')).toBe(true);
    expect(ended).toEqual([{ accountId: 'reader', exceptSid: undefined }]);
    await expect(resets.accountFor(other)).resolves.toBeUndefined();
    await expect(service.tokenIsValid(token)).resolves.toBe(false);
  });
});

describe('PasswordsService.changePassword', () => {
  it('when the current password is wrong, then it is rejected, and the try is taken and not given back', async () => {
    const { service, accounts, throttle, ended } = setUp();
    const refused = await rejection(service.changePassword(proof({ password: 'not my password' }), 'a new long passphrase', 'sid-1'));
    expect(refused).toBeInstanceOf(PasswordRejected);
    expect((refused as PasswordRejected).field).toBe('currentPassword');
    expect(throttle.tries).toEqual([`reader|${network}`]);
    expect(throttle.givenBack).toEqual([]);
    expect(accounts.rows.get('reader')!.passwordHash).toBe(currentHash);
    expect(ended).toEqual([]);
  });

  it('when the throttle refuses, then it answers 429 with Retry-After before checking any password', async () => {
    const { service, throttle, accounts } = setUp();
    throttle.refuseFor = 600;
    const refused = await rejection(service.changePassword(proof(), 'a new long passphrase', 'sid-1'));
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).status).toBe(429);
    expect((refused as AppError).headers['Retry-After']).toBe('600');
    expect(accounts.rows.get('reader')!.passwordHash).toBe(currentHash);
  });

  it('when the current password is right, then the password changes, every session but this one ends and reset links are spent', async () => {
    const { service, accounts, resets, ended, throttle } = setUp();
    const open = await resets.create('reader', resetTokenTtlMs);
    await service.changePassword(proof(), 'a new long passphrase', 'sid-1');
    expect(await verifyPassword(accounts.rows.get('reader')!.passwordHash, 'a new long passphrase')).toBe(true);
    expect(ended).toEqual([{ accountId: 'reader', exceptSid: 'sid-1' }]);
    await expect(resets.accountFor(open)).resolves.toBeUndefined();
    expect(throttle.givenBack).toEqual(['reader']);
  });

  it('when the new password breaks the rules, then it is rejected on the new-password field and nothing changes', async () => {
    const { service, accounts, ended } = setUp();
    const refused = await rejection(service.changePassword(proof(), 'short', 'sid-1'));
    expect((refused as PasswordRejected).field).toBe('password');
    expect(accounts.rows.get('reader')!.passwordHash).toBe(currentHash);
    expect(ended).toEqual([]);
  });

  it('when a passwordless account signed in recently, then it may set a password without one', async () => {
    const { service, accounts, ended, throttle } = setUp();
    await service.changePassword(proof({ accountId: 'linked', password: '', recentSignIn: true }), 'a new long passphrase', 'sid-2');
    expect(await verifyPassword(accounts.rows.get('linked')!.passwordHash, 'a new long passphrase')).toBe(true);
    expect(ended).toEqual([{ accountId: 'linked', exceptSid: 'sid-2' }]);
    expect(throttle.tries).toEqual([]);
  });

  it(`when a passwordless account's sign-in is older than ${recentSignInMs / 60_000} minutes, then it is asked to sign in again`, async () => {
    const { service, accounts } = setUp();
    const refused = await rejection(service.changePassword(proof({ accountId: 'linked', password: '', recentSignIn: false }), 'a new long passphrase', 'sid-2'));
    expect(refused).toBeInstanceOf(PasswordRejected);
    expect((refused as PasswordRejected).message).toContain('sign in again');
    expect(accounts.rows.get('linked')!.passwordHash).toBe('');
  });
});

describe('PasswordsService.confirm', () => {
  it('when the password is right, then it resolves and gives the try back; when wrong, then it is rejected', async () => {
    const { service, throttle } = setUp();
    await expect(service.confirm(proof())).resolves.toBeUndefined();
    expect(throttle.givenBack).toEqual(['reader']);
    const refused = await rejection(service.confirm(proof({ password: 'wrong password' })));
    expect((refused as PasswordRejected).field).toBe('currentPassword');
  });

  it('when the account no longer exists, then it answers 404 after the same work', async () => {
    const { service } = setUp();
    const refused = await rejection(service.confirm(proof({ accountId: 'gone' })));
    expect((refused as AppError).status).toBe(404);
  });
});
