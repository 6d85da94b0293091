import { createHash, randomBytes } from 'node:crypto';
import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { AppError } from '../http/app-error';
import type { Mailer } from '../mail/mailer';
import type { AccountSessions } from '../store/session-store.redis';
import type { AccountsRepository } from './accounts.repository';
import { hashPassword, passwordProblems, verifyAgainstNothing, verifyPassword } from './passwords';
import type { PasswordResetsRepository } from './password-resets.repository';
import { buildLimiter, limiterKey, type SigninThrottle } from './signin-throttle';
import type { Messages } from '../http/i18n';

export const resetTokenTtlMs = 30 * 60 * 1000;
/** How recent a sign-in must be to change a passwordless account without a password. */
export const recentSignInMs = 15 * 60 * 1000;

export class PasswordRejected extends Error {
  constructor(readonly field: 'password' | 'currentPassword' | 'email', message: string) {
    super(message);
    this.name = 'PasswordRejected';
  }
}

/** The ports PasswordsService uses (each satisfied by the repository or throttle of that name). */
export type PasswordAccounts = Pick<AccountsRepository, 'findByEmail' | 'findById' | 'findByIdWithPassword' | 'updatePassword'>;
export type PasswordResets = Pick<PasswordResetsRepository, 'create' | 'accountFor' | 'redeem' | 'spendAllOf'>;
export type PasswordThrottle = Pick<SigninThrottle, 'recheck'>;

export interface PasswordsDeps {
  readonly accounts: PasswordAccounts;
  readonly resets: PasswordResets;
  readonly sessions: AccountSessions;
  readonly mailer: Mailer;
  readonly logger: Pick<Logger, 'error'>;
  /** Every password re-check takes a try from the account's re-check counters (not sign-in's). */
  readonly throttle: PasswordThrottle;
  readonly publicUrl: URL;
  readonly siteName: string;
  readonly passwordMinLength: number;
  readonly redis: Redis | undefined;
  readonly keyPrefix: string;
  /** Limiter keys are keyed hashes under this secret, never an email. */
  readonly keySecret: string;
  readonly messages: Messages;
}

/** Forgotten passwords and changes of password, each ending the account's other sessions; every password re-check. */
/** A check that it is the account's owner: the password, or for an account without one, a recent sign-in. */
export interface OwnerProof {
  readonly accountId: string;
  readonly password: string;
  /** networkOf the client: where the password is being tried from. */
  readonly network: string;
  /** The session signed in within `recentSignInMs`, which stands in for the password of an account that has none. */
  readonly recentSignIn: boolean;
}

export class PasswordsService {
  private readonly accounts: PasswordsDeps['accounts'];
  private readonly resets: PasswordsDeps['resets'];
  private readonly sessions: AccountSessions;
  private readonly mailer: Mailer;
  private readonly logger: PasswordsDeps['logger'];
  private readonly throttle: PasswordsDeps['throttle'];
  private readonly messages: Messages;
  private readonly options: { publicUrl: URL; siteName: string; passwordMinLength: number; keySecret: string };
  private readonly forgotByEmailAndAddress: RateLimiterAbstract;
  private readonly forgotByEmail: RateLimiterAbstract;
  private readonly forgotByAddress: RateLimiterAbstract;

  constructor(deps: PasswordsDeps) {
    ({ accounts: this.accounts, resets: this.resets, sessions: this.sessions, mailer: this.mailer, logger: this.logger, throttle: this.throttle, messages: this.messages } = deps);
    this.options = { publicUrl: deps.publicUrl, siteName: deps.siteName, passwordMinLength: deps.passwordMinLength, keySecret: deps.keySecret };
    const hourly = (name: string, points: number) => buildLimiter(deps.redis, { keyPrefix: `${deps.keyPrefix}forgot:${name}`, points, duration: 60 * 60 });
    // Per (email, network) is the tight bound. Per email from anywhere is looser, so that a
    // stranger must spread over several networks (each refused once spent) before the
    // owner's own network meets it; it still bounds the mail one inbox can be sent.
    this.forgotByEmailAndAddress = hourly('email-address', 3);
    this.forgotByEmail = hourly('email', 10);
    this.forgotByAddress = hourly('address', 20);
  }

  /**
   * Sends a reset link when the account exists. The caller's answer is the same either way,
   * and so is the work before it: the token and the mail are made after the answer, and an
   * unknown email makes and discards a token hash of the same size. `network` is the
   * client's (networkOf).
   */
  async forgot(email: string, network: string): Promise<void> {
    const verdict = await this.takeForgot(email, network);
    if (!verdict.allowed) {
      throw new AppError(429, this.messages.t('forgot.errorThrottled', { wait: this.messages.wait(verdict.retryAfterSeconds) }), { 'Retry-After': String(verdict.retryAfterSeconds) });
    }
    const account = await this.accounts.findByEmail(email);
    if (account === undefined) {
      createHash('sha256').update(randomBytes(32).toString('base64url')).digest('hex');
      return;
    }
    void this.mailReset(account).catch((error: unknown) => this.logger.error({ err: error }, 'could not send the password reset mail'));
  }

  /**
   * The network's own bound comes first, so that a spent network spends nobody's counter.
   * The bound per email from anywhere limits what strangers can send one inbox, but it must
   * not shut out the owner: a network that has not asked for this email this hour still
   * gets its one mail past it (mail stays bounded by one per network and hour).
   */
  private async takeForgot(email: string, network: string): Promise<{ allowed: true } | { allowed: false; retryAfterSeconds: number }> {
    const secret = this.options.keySecret;
    const taken: [RateLimiterAbstract, string][] = [];
    const take = async (limiter: RateLimiterAbstract, key: string): Promise<RateLimiterRes | number> => {
      try {
        const result = await limiter.consume(key);
        taken.push([limiter, key]);
        return result;
      } catch (error) {
        if (!(error instanceof RateLimiterRes)) throw error;
        return error.msBeforeNext;
      }
    };
    const refuse = async (ms: number) => {
      await Promise.all(taken.map(([limiter, key]) => limiter.reward(key, 1)));
      return { allowed: false as const, retryAfterSeconds: Math.max(1, Math.ceil(ms / 1000)) };
    };
    const byNetwork = await take(this.forgotByAddress, limiterKey(secret, network));
    if (typeof byNetwork === 'number') return refuse(byNetwork);
    const pair = await take(this.forgotByEmailAndAddress, limiterKey(secret, email, network));
    if (typeof pair === 'number') return refuse(pair);
    const byEmail = await take(this.forgotByEmail, limiterKey(secret, email));
    if (typeof byEmail === 'number' && pair.consumedPoints > 1) return refuse(Math.max(byEmail, pair.msBeforeNext));
    return { allowed: true };
  }

  private async mailReset(account: { id: string; email: string }): Promise<void> {
    const token = await this.resets.create(account.id, resetTokenTtlMs);
    const link = new URL(`/password/reset/${token}`, this.options.publicUrl).href;
    const site = this.options.siteName;
    await this.mailer.send({ to: account.email, subject: this.messages.t('mail.resetSubject', { site }), text: this.messages.t('mail.resetText', { site, link }) });
  }

  async tokenIsValid(token: string): Promise<boolean> {
    return (await this.resets.accountFor(token)) !== undefined;
  }

  /** Sets the new password and ends every session of the account; false for a spent token. */
  async reset(token: string, password: string): Promise<boolean> {
    const accountId = await this.resets.accountFor(token);
    if (accountId === undefined) return false;
    const account = await this.accounts.findById(accountId);
    const problems = passwordProblems(password, { minLength: this.options.passwordMinLength, email: account?.email }, this.messages);
    if (problems.length > 0) throw new PasswordRejected('password', problems.join(' '));
    const redeemed = await this.resets.redeem(token, await hashPassword(password));
    if (redeemed === undefined) return false;
    await this.sessions.destroyAllOf(redeemed);
    return true;
  }

  /** `proof.password` is the current password; every session but `keepSid` ends. */
  async changePassword(proof: OwnerProof, newPassword: string, keepSid: string): Promise<void> {
    const { accountId } = proof;
    const account = await this.verified(proof);
    const problems = passwordProblems(newPassword, { minLength: this.options.passwordMinLength, email: account.email }, this.messages);
    if (problems.length > 0) throw new PasswordRejected('password', problems.join(' '));
    await this.accounts.updatePassword(accountId, await hashPassword(newPassword));
    // A link mailed before the change would otherwise undo it.
    await this.resets.spendAllOf(accountId);
    await this.sessions.destroyAllOf(accountId, keepSid);
  }

  /** Throws PasswordRejected unless `password` is the account's; throttled like a sign-in. */
  async confirm(proof: OwnerProof): Promise<void> {
    await this.verified(proof);
  }

  private async verified({ accountId, password, network, recentSignIn }: OwnerProof) {
    const account = await this.accounts.findByIdWithPassword(accountId);
    if (account === undefined) {
      await verifyAgainstNothing(password);
      throw new AppError(404, this.messages.t('account.gone'));
    }
    // Without a password, the proof is a sign-in by emailed link within the last minutes.
    if (account.passwordHash === '') {
      if (recentSignIn) return account;
      throw new PasswordRejected('currentPassword', this.messages.t('password.recentSignInNeeded'));
    }
    // The try is taken before the check, as at sign-in: a stolen session guesses no faster.
    const attempt = await this.throttle.recheck(account.id, network);
    if (!attempt.allowed) {
      throw new AppError(429, this.messages.t('password.recheckThrottled', { wait: this.messages.wait(attempt.retryAfterSeconds) }), { 'Retry-After': String(attempt.retryAfterSeconds) });
    }
    if (!(await verifyPassword(account.passwordHash, password))) throw new PasswordRejected('currentPassword', this.messages.t('password.notCurrent'));
    await attempt.succeeded();
    return account;
  }
}
