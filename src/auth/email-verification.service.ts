import type Redis from 'ioredis';
import type { Logger } from 'pino';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Mailer } from '../mail/mailer';
import type { AccountSessions } from '../store/session-store.redis';
import { EmailTakenError, type AccountsRepository } from './accounts.repository';
import type { EmailToken, EmailTokensRepository } from './email-tokens.repository';
import { buildLimiter, consumeAll, limiterKey } from './signin-throttle';
import type { Messages } from '../http/i18n';

export const verifyLinkTtlMs = 24 * 60 * 60 * 1000;
const purposes = ['verify', 'change'] as const;

export type VerifyOutcome =
  | { readonly outcome: 'verified' | 'changed'; readonly accountId: string }
  | { readonly outcome: 'invalid' | 'taken' }
  /** A sign-up confirmation opened by someone not signed in to its account: nothing was spent. */
  | { readonly outcome: 'sign-in-needed'; readonly link: EmailToken };

export class EmailChangeRejected extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmailChangeRejected';
  }
}

/** Too many changes of email asked for: the mails they send go to any address typed in. */
export class EmailChangeThrottled extends Error {
  constructor(
    readonly retryAfterSeconds: number,
    message: string,
  ) {
    super(message);
    this.name = 'EmailChangeThrottled';
  }
}

export interface EmailVerificationDeps {
  readonly accounts: AccountsRepository;
  readonly tokens: EmailTokensRepository;
  readonly sessions: AccountSessions;
  readonly mailer: Mailer;
  readonly logger: Logger;
  readonly publicUrl: URL;
  readonly siteName: string;
  readonly redis: Redis | undefined;
  readonly keyPrefix: string;
  /** Limiter keys are keyed hashes under this secret, never an email. */
  readonly keySecret: string;
  readonly messages: Messages;
}

/**
 * An email counts as the reader's only once a link mailed to it is followed: at sign-up,
 * and before a change of email applies (an address nobody proved could be a squatted one,
 * later granted a role by that address).
 */
export class EmailVerificationService {
  private readonly changesByAccount: RateLimiterAbstract;
  private readonly changesByTarget: RateLimiterAbstract;

  constructor(private readonly deps: EmailVerificationDeps) {
    const daily = (name: string, points: number) => buildLimiter(deps.redis, { keyPrefix: `${deps.keyPrefix}email-change:${name}`, points, duration: 24 * 60 * 60 });
    this.changesByAccount = daily('account', 5);
    this.changesByTarget = daily('target', 3);
  }

  /** Mails the link that verifies a new account's email; the reader reads on meanwhile. */
  async sendForSignup(account: { id: string; email: string }): Promise<void> {
    const { messages, siteName: site } = this.deps;
    const link = await this.link('verify', account.id, account.email);
    this.mail(account.email, messages.t('mail.verifySubject', { site }), messages.t('mail.verifyText', { site, link }));
  }

  /** Mails a link to the new address (the change waits for it) and tells the old one. */
  async requestChange(accountId: string, newEmail: string): Promise<void> {
    const { messages } = this.deps;
    const account = await this.deps.accounts.findById(accountId);
    if (account === undefined) throw new EmailChangeRejected(messages.t('account.gone'));
    if (account.email === newEmail) throw new EmailChangeRejected(messages.t('emailChange.same'));
    const other = await this.deps.accounts.findByEmail(newEmail);
    if (other !== undefined) throw new EmailChangeRejected(messages.t('emailChange.taken'));
    const verdict = await consumeAll([
      [this.changesByAccount, limiterKey(this.deps.keySecret, accountId)],
      [this.changesByTarget, limiterKey(this.deps.keySecret, newEmail)],
    ]);
    if (!verdict.allowed) throw new EmailChangeThrottled(verdict.retryAfterSeconds, messages.t('emailChange.throttled', { wait: messages.wait(verdict.retryAfterSeconds) }));
    const site = this.deps.siteName;
    const link = await this.link('change', accountId, newEmail);
    this.mail(newEmail, messages.t('mail.changeSubject', { site }), messages.t('mail.changeText', { site, link }));
    this.mail(account.email, messages.t('mail.changeNoticeSubject', { site }), messages.t('mail.changeNoticeText', { site, email: newEmail }));
  }

  /** The open link, for the page that asks the reader to confirm; spends nothing. */
  linkFor(token: string): Promise<EmailToken | undefined> {
    return this.deps.tokens.peek(token, purposes);
  }

  /**
   * Spends the link and verifies, or applies the change of email. A change ends every
   * session of the account except `session`, when that is the account's own.
   *
   * A sign-up confirmation counts only for the session signed in to its account: the
   * welcome mail goes to whatever address was typed in, and a squatter who signed up with
   * someone else's address must not get it confirmed by its owner's curious click.
   */
  async confirm(token: string, session: { accountId: string | undefined; sid: string }): Promise<VerifyOutcome> {
    const open = await this.linkFor(token);
    if (open === undefined) return { outcome: 'invalid' };
    // Both purposes: whoever follows the link must be signed in to the account it confirms, or a
    // squatter could have a victim confirm their own address onto the squatter's account.
    if (open.accountId !== session.accountId) return { outcome: 'sign-in-needed', link: open };
    const spent = await this.deps.tokens.redeem(token, purposes);
    if (spent?.accountId === undefined) return { outcome: 'invalid' };
    const accountId = spent.accountId;
    if (spent.purpose === 'verify') {
      await this.deps.accounts.markEmailVerified(accountId, spent.email);
      return { outcome: 'verified', accountId };
    }
    try {
      await this.deps.tokens.applyEmailChange(accountId, spent.email);
    } catch (error) {
      if (error instanceof EmailTakenError) return { outcome: 'taken' };
      throw error;
    }
    await this.deps.sessions.destroyAllOf(accountId, session.accountId === accountId ? session.sid : undefined);
    return { outcome: 'changed', accountId };
  }

  private async link(purpose: 'verify' | 'change', accountId: string, email: string): Promise<string> {
    const { token } = await this.deps.tokens.create({ purpose, accountId, email, ttlMs: verifyLinkTtlMs });
    return new URL(`/account/verify/${token}`, this.deps.publicUrl).href;
  }

  private mail(to: string, subject: string, text: string): void {
    this.deps.mailer.send({ to, subject, text }).catch((error: unknown) => this.deps.logger.error({ err: error }, 'could not send an email verification mail'));
  }
}
