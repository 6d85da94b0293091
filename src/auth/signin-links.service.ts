import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import type { Logger } from 'pino';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Clock } from '../config/clock';
import type { Mailer } from '../mail/mailer';
import type { AccountSessions } from '../store/session-store.redis';
import { policyDocuments, type Policy } from '../consent/consent.module';
import { signupPolicies, type PolicyCatalog } from './ports';
import { EmailTakenError, type Account, type AccountsRepository } from './accounts.repository';
import type { EmailToken, EmailTokensRepository } from './email-tokens.repository';
import { buildLimiter, consumeAll, limiterKey, type ThrottleVerdict } from './signin-throttle';
// The sign-up link page shows the same consent line as /signup (views/consent-line.eta).
import { consentWording } from './accounts.service';
import { newsletterConsent } from '../consent/consent.module';
import type { Messages } from '../http/i18n';

export const signinLinkTtlMs = 15 * 60 * 1000;
const purposes = ['signin', 'signup'] as const;
const day = 24 * 60 * 60;

type Versions = Partial<Record<'terms' | 'privacy', string>>;

export type LinkSignIn =
  | {
      readonly outcome: 'signed-in';
      readonly account: Account;
      readonly returnTo: string;
      readonly created: boolean;
      /** A password set before anyone proved the mailbox was removed, and the account's sessions ended. */
      readonly passwordRemoved: boolean;
    }
  | { readonly outcome: 'invalid' }
  | { readonly outcome: 'policies-changed' }
  | { readonly outcome: 'throttled'; readonly retryAfterSeconds: number };

export interface SigninLinksDeps {
  readonly accounts: AccountsRepository;
  readonly tokens: EmailTokensRepository;
  readonly policies: PolicyCatalog;
  readonly mailer: Mailer;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Ends the sessions of an account whose unproven password a link removes. */
  readonly sessions: AccountSessions;
  readonly publicUrl: URL;
  readonly siteName: string;
  readonly redis: Redis | undefined;
  readonly keyPrefix: string;
  /** Keys the limiters' names, so that no email appears in clear in Redis. */
  readonly keySecret: string;
  readonly messages: Messages;
}

/**
 * "Email me a sign-in link": a known email gets a link that signs in, an unknown one a
 * link that creates the account; both carry a code for browsers where the link opens
 * elsewhere. Following either proves the mailbox, so it verifies the email.
 */
export class SigninLinksService {
  private readonly linksByEmailAndNetwork: RateLimiterAbstract;
  private readonly linksByNetwork: RateLimiterAbstract;
  private readonly linksByEmail: RateLimiterAbstract;
  private readonly codesByEmail: RateLimiterAbstract;
  private readonly codesByNetwork: RateLimiterAbstract;

  constructor(private readonly deps: SigninLinksDeps) {
    const build = (name: string, points: number, duration: number) => buildLimiter(deps.redis, { keyPrefix: `${deps.keyPrefix}signin-link:${name}`, points, duration });
    this.linksByEmailAndNetwork = build('email-network', 5, 15 * 60);
    // Generous: everyone behind one NAT shares it, and a link is how a throttled reader gets in.
    this.linksByNetwork = build('network', 100, 60 * 60);
    // From anywhere: bounds the mail one inbox can be sent from rotating networks.
    this.linksByEmail = build('email', 20, day);
    // A code has a million values: a daily bound across all networks keeps guessing it over
    // days hopeless (10 a day). The link itself takes no tries, so the owner is never locked out.
    this.codesByEmail = build('code-email-day', 10, day);
    this.codesByNetwork = build('code-network', 50, 15 * 60);
  }

  /**
   * Mails a link (and code) to `email`; the caller answers the same whether or not the account
   * exists. `newsletter`: the box was ticked where the link was asked for (kept for a sign-up).
   */
  async request(email: string, network: string, returnTo: string, choices: { newsletter: boolean }): Promise<ThrottleVerdict> {
    const verdict = await consumeAll([
      [this.linksByEmailAndNetwork, this.keyOf(email, network)],
      [this.linksByNetwork, this.keyOf(network)],
      [this.linksByEmail, this.keyOf(email)],
    ]);
    if (!verdict.allowed) return verdict;
    const account = await this.deps.accounts.findByEmail(email);
    const { token, code } = await this.deps.tokens.create({
      purpose: account === undefined ? 'signup' : 'signin',
      accountId: account?.id,
      email,
      returnTo,
      ttlMs: signinLinkTtlMs,
      withCode: true,
      newsletter: account === undefined && choices.newsletter,
    });
    const link = new URL(`/signin/email/${token}`, this.deps.publicUrl).href;
    const { messages } = this.deps;
    const words = { site: this.deps.siteName, link, code: code ?? '' };
    const signup = account === undefined;
    this.deps.mailer
      .send({
        to: email,
        subject: messages.t(signup ? 'mail.signupLinkSubject' : 'mail.signinLinkSubject', words),
        text: messages.t(signup ? 'mail.signupLinkText' : 'mail.signinLinkText', words),
      })
      .catch((error: unknown) => this.deps.logger.error({ err: error }, 'could not send the sign-in link mail'));
    return verdict;
  }

  /** The Terms of Use and Privacy Policy in force, which the pages show and consent records name. */
  currentPolicies(): Promise<Record<'terms' | 'privacy', Policy>> {
    return signupPolicies(this.deps.policies, this.deps.messages);
  }

  /** The open link, for the page that asks the reader to confirm; spends nothing. */
  linkFor(token: string): Promise<EmailToken | undefined> {
    return this.deps.tokens.peek(token, purposes);
  }

  /**
   * `newsletter`: the box on the confirm page, the page that creates the account; what was
   * ticked where the link was asked for does not count here (whoever asked may not own the mailbox).
   */
  async signInWithLink(token: string, shown: Versions, newsletter: boolean): Promise<LinkSignIn> {
    const open = await this.linkFor(token);
    if (open === undefined) return { outcome: 'invalid' };
    if (open.purpose === 'signup' && (await this.policiesChanged(shown))) return { outcome: 'policies-changed' };
    const spent = await this.deps.tokens.redeem(token, purposes);
    return spent === undefined ? { outcome: 'invalid' } : this.complete(spent, newsletter);
  }

  async signInWithCode(email: string, code: string, network: string, shown: Versions): Promise<LinkSignIn> {
    const verdict = await consumeAll([
      [this.codesByEmail, this.keyOf(email)],
      [this.codesByNetwork, this.keyOf(network)],
    ]);
    if (!verdict.allowed) return { outcome: 'throttled', retryAfterSeconds: verdict.retryAfterSeconds };
    if (await this.policiesChanged(shown)) return { outcome: 'policies-changed' };
    const spent = await this.deps.tokens.redeemCode(email, code);
    // The code is typed on the page that asked for the link: that page's box is the choice.
    return spent === undefined ? { outcome: 'invalid' } : this.complete(spent, spent.newsletter);
  }

  private async complete(token: EmailToken, newsletter: boolean): Promise<LinkSignIn> {
    const now = new Date(this.deps.clock());
    const made = token.accountId === undefined ? await this.created(token.email, now, newsletter) : undefined;
    const account = made?.account ?? (token.accountId === undefined ? undefined : await this.deps.accounts.findById(token.accountId));
    if (account === undefined) return { outcome: 'invalid' };
    const created = made?.created ?? false;
    // The link proves the mailbox; a password nobody proved the mailbox for does not stay.
    const { passwordRemoved } = await this.deps.tokens.proveMailbox(account.id, token.email);
    if (passwordRemoved) await this.deps.sessions.destroyAllOf(account.id);
    const signedIn = passwordRemoved ? { ...account, hasPassword: false, emailVerifiedAt: new Date(this.deps.clock()).toISOString() } : account;
    return { outcome: 'signed-in', account: signedIn, returnTo: token.returnTo, created, passwordRemoved };
  }

  /** The account, with no password and its consent records (the newsletter's when ticked), in one transaction. */
  private async created(email: string, now: Date, newsletter: boolean): Promise<{ account: Account; created: boolean } | undefined> {
    const current = await this.currentPolicies();
    const account = { id: randomUUID(), email, passwordHash: '', createdAt: now.toISOString(), emailVerifiedAt: now.toISOString() };
    try {
      await this.deps.accounts.createWithConsents(
        account,
        [
          ...policyDocuments.map((document) => ({ document, policyVersion: current[document].version, wording: consentWording(this.deps.messages), method: 'signup-email' as const })),
          ...(newsletter ? [newsletterConsent(this.deps.messages, 'signup-email')] : []),
        ],
      );
    } catch (error) {
      if (!(error instanceof EmailTakenError)) throw error;
      // Signed up another way meanwhile: the link still proves the mailbox, so it signs in
      // (and complete() removes a password set by whoever had not proven it).
      const existing = await this.deps.accounts.findByEmail(email);
      if (existing === undefined) return undefined;
      const { passwordHash: _omitted, ...rest } = existing;
      return { account: rest, created: false };
    }
    return { account: { id: account.id, email, isAdmin: false, createdAt: account.createdAt, emailVerifiedAt: account.emailVerifiedAt, hasPassword: false }, created: true };
  }

  private async policiesChanged(shown: Versions): Promise<boolean> {
    const current = await this.currentPolicies();
    return policyDocuments.some((document) => shown[document] !== undefined && shown[document] !== current[document].version);
  }

  private keyOf(...parts: string[]): string {
    return limiterKey(this.deps.keySecret, ...parts);
  }
}
