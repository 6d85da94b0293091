import type Redis from 'ioredis';
import type { Logger } from 'pino';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { AppError } from '../http/app-error';
import type { Mailer } from '../mail/mailer';
import type { AccountSessions } from '../store/session-store.redis';
import { EmailTakenError, type AccountsRepository } from './accounts.repository';
import { hashPassword, passwordProblems, verifyAgainstNothing, verifyPassword } from './passwords';
import type { PasswordResetsRepository } from './password-resets.repository';
import { buildLimiter, consumeAll } from './signin-throttle';

export const resetTokenTtlMs = 30 * 60 * 1000;

export class PasswordRejected extends Error {
  constructor(readonly field: 'password' | 'currentPassword' | 'email', message: string) {
    super(message);
    this.name = 'PasswordRejected';
  }
}

/** Forgotten passwords, and changes of password and email, each ending the account's other sessions. */
export class PasswordsService {
  private readonly forgotByEmail: RateLimiterAbstract;
  private readonly forgotByAddress: RateLimiterAbstract;

  constructor(
    private readonly accounts: AccountsRepository,
    private readonly resets: PasswordResetsRepository,
    private readonly sessions: AccountSessions,
    private readonly mailer: Mailer,
    private readonly logger: Logger,
    private readonly options: { publicUrl: URL; siteName: string; passwordMinLength: number; redis: Redis | undefined; keyPrefix: string },
  ) {
    this.forgotByEmail = buildLimiter(options.redis, { keyPrefix: `${options.keyPrefix}forgot:email`, points: 3, duration: 60 * 60 });
    this.forgotByAddress = buildLimiter(options.redis, { keyPrefix: `${options.keyPrefix}forgot:address`, points: 20, duration: 60 * 60 });
  }

  /**
   * Sends a reset link when the account exists. The caller's answer is the same either way,
   * and so is the time: the mail goes out after the answer, and an unknown email does the
   * same token-sized work.
   */
  async forgot(email: string, address: string): Promise<void> {
    const verdict = await consumeAll([
      [this.forgotByEmail, email],
      [this.forgotByAddress, address],
    ]);
    if (!verdict.allowed) {
      throw new AppError(429, `Too many reset requests. Try again in ${Math.ceil(verdict.retryAfterSeconds / 60)} minutes.`, { 'Retry-After': String(verdict.retryAfterSeconds) });
    }
    const account = await this.accounts.findByEmail(email);
    if (account === undefined) return;
    const token = await this.resets.create(account.id, resetTokenTtlMs);
    const link = new URL(`/password/reset/${token}`, this.options.publicUrl).href;
    this.mailer
      .send({
        to: account.email,
        subject: `Reset your ${this.options.siteName} password`,
        text: `Someone asked to reset the password of your ${this.options.siteName} account.\n\nTo choose a new password, open this link within 30 minutes:\n\n${link}\n\nIf it was not you, ignore this mail: your password stays as it is.\n`,
      })
      .catch((error: unknown) => this.logger.error({ err: error }, 'could not send the password reset mail'));
  }

  async tokenIsValid(token: string): Promise<boolean> {
    return (await this.resets.accountFor(token)) !== undefined;
  }

  /** Sets the new password and ends every session of the account; false for a spent token. */
  async reset(token: string, password: string): Promise<boolean> {
    const accountId = await this.resets.accountFor(token);
    if (accountId === undefined) return false;
    const account = await this.accounts.findById(accountId);
    const problems = passwordProblems(password, { minLength: this.options.passwordMinLength, email: account?.email });
    if (problems.length > 0) throw new PasswordRejected('password', problems.join(' '));
    const redeemed = await this.resets.redeem(token, await hashPassword(password));
    if (redeemed === undefined) return false;
    await this.sessions.destroyAllOf(redeemed);
    return true;
  }

  async changePassword(accountId: string, currentPassword: string, newPassword: string, keepSid: string): Promise<void> {
    const account = await this.verified(accountId, currentPassword);
    const problems = passwordProblems(newPassword, { minLength: this.options.passwordMinLength, email: account.email });
    if (problems.length > 0) throw new PasswordRejected('password', problems.join(' '));
    await this.accounts.updatePassword(accountId, await hashPassword(newPassword));
    await this.sessions.destroyAllOf(accountId, keepSid);
  }

  async changeEmail(accountId: string, newEmail: string, password: string, keepSid: string): Promise<void> {
    await this.verified(accountId, password);
    try {
      await this.accounts.updateEmail(accountId, newEmail);
    } catch (error) {
      if (error instanceof EmailTakenError) throw new PasswordRejected('email', 'Another account uses this email address.');
      throw error;
    }
    await this.sessions.destroyAllOf(accountId, keepSid);
  }

  /** Throws PasswordRejected unless `password` is the account's. */
  async confirm(accountId: string, password: string): Promise<void> {
    await this.verified(accountId, password);
  }

  private async verified(accountId: string, password: string) {
    const account = await this.accounts.findByIdWithPassword(accountId);
    if (account === undefined) {
      await verifyAgainstNothing(password);
      throw new AppError(404, 'This account no longer exists.');
    }
    if (!(await verifyPassword(account.passwordHash, password))) throw new PasswordRejected('currentPassword', 'That is not your current password.');
    return account;
  }
}
