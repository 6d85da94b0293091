import { randomBytes, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../../config/clock';
import type { OidcProviderConfig } from '../../config/oidc-config';
import type { Mailer } from '../../mail/mailer';
import type { AccountSessions } from '../../store/session-store.redis';
import { policyDocuments, type Policy } from '../../consent/consent.module';
import { consentWording } from '../accounts.service';
import { EmailTakenError, type Account, type AccountsRepository } from '../accounts.repository';
import type { EmailTokensRepository } from '../email-tokens.repository';
import { emailSchema } from '../email';
import { signupPolicies, type PolicyCatalog } from '../ports';
import type { LinkedIdentity } from '../sign-in-methods';
import { IdentityTakenError, type IdentitiesRepository, type UnlinkOutcome } from './identities.repository';
import type { OidcClient } from './oidc-client';
import type { OidcFlowsRepository, OidcRequest, PendingIdentity } from './oidc-flows.repository';

export type Versions = Partial<Record<'terms' | 'privacy', string>>;

export type SignedIn = { readonly outcome: 'signed-in'; readonly account: Account; readonly returnTo: string; readonly created: boolean; readonly passwordRemoved: boolean };

/** What the provider's answer leads to. */
export type CallbackOutcome =
  | SignedIn
  | { readonly outcome: 'linked' | 'already-linked' | 'linked-elsewhere' | 'no-email' | 'invalid'; readonly returnTo: string }
  /** A pending identity was saved under the browser's new secret: consent next, or a mailed link. */
  | { readonly outcome: 'confirm' | 'check-email'; readonly returnTo: string; readonly email: string };

export type ConfirmOutcome = SignedIn | { readonly outcome: 'invalid' } | { readonly outcome: 'policies-changed' } | { readonly outcome: 'linked-elsewhere'; readonly returnTo: string };

export interface OidcServiceDeps {
  readonly providers: readonly OidcProviderConfig[];
  readonly client: OidcClient;
  readonly flows: OidcFlowsRepository;
  readonly identities: IdentitiesRepository;
  readonly accounts: AccountsRepository;
  readonly emailTokens: Pick<EmailTokensRepository, 'proveMailbox'>;
  readonly sessions: AccountSessions;
  readonly policies: PolicyCatalog;
  readonly mailer: Mailer;
  readonly logger: Pick<Logger, 'error'>;
  readonly clock: Clock;
  readonly publicUrl: URL;
  readonly siteName: string;
}

export const newSecret = () => randomBytes(32).toString('base64url');

/**
 * "Continue with <provider>" (SPEC section 6). An identity is the provider's `sub`, never the
 * email. A new identity joins an account with its email only when the email is proven: by
 * the provider (`email_verified`), or by a mailed link followed in the same browser (so that
 * neither whoever holds the provider account nor whoever reads the mail can do it alone).
 */
export class OidcService {
  constructor(private readonly deps: OidcServiceDeps) {}

  provider(name: string): OidcProviderConfig | undefined {
    return this.deps.providers.find((p) => p.name === name);
  }

  redirectUri(provider: OidcProviderConfig): URL {
    return new URL(`/signin/oidc/${provider.name}/callback`, this.deps.publicUrl);
  }

  currentPolicies(): Promise<Record<'terms' | 'privacy', Policy>> {
    return signupPolicies(this.deps.policies);
  }

  /** The provider's authorization URL; the request is kept under `browserSecret`. Throws ProviderError. */
  async start(provider: OidcProviderConfig, browserSecret: string, returnTo: string, accountId: string | undefined): Promise<URL> {
    const checks = await this.deps.client.newChecks();
    const url = await this.deps.client.authorizationUrl(provider, this.redirectUri(provider).href, checks);
    await this.deps.flows.saveRequest(browserSecret, { provider: provider.name, state: checks.state, nonce: checks.nonce, codeVerifier: checks.codeVerifier, returnTo, accountId });
    return url;
  }

  spendRequest(browserSecret: string): Promise<OidcRequest | undefined> {
    return this.deps.flows.spendRequest(browserSecret);
  }

  /**
   * The provider's answer to a spent request: the code exchanged (PKCE), the ID token checked
   * (state, nonce, issuer, audience, expiry, signature). Throws ProviderError. `newBrowserSecret`
   * keys the pending identity when one is made.
   */
  async callback(provider: OidcProviderConfig, request: OidcRequest, callbackUrl: URL, currentAccountId: string | undefined, newBrowserSecret: string): Promise<CallbackOutcome> {
    const { returnTo } = request;
    if (request.provider !== provider.name) return { outcome: 'invalid', returnTo };
    // Whoever started a link must still be the one signed in when it lands.
    if (request.accountId !== undefined && request.accountId !== currentAccountId) return { outcome: 'invalid', returnTo };
    const who = await this.deps.client.identityFrom(provider, callbackUrl, request);
    const known = await this.deps.identities.findBySubject(provider.name, who.subject);
    const email = who.email === undefined ? undefined : emailSchema.safeParse(who.email);
    if (request.accountId !== undefined) {
      if (known !== undefined) return { outcome: known.accountId === request.accountId ? 'already-linked' : 'linked-elsewhere', returnTo };
      try {
        await this.deps.identities.link(request.accountId, { provider: provider.name, subject: who.subject, email: email?.success ? email.data : (who.email ?? '') });
      } catch (error) {
        if (error instanceof IdentityTakenError) return { outcome: 'linked-elsewhere', returnTo };
        throw error;
      }
      return { outcome: 'linked', returnTo };
    }
    if (known !== undefined) {
      const account = await this.deps.accounts.findById(known.accountId);
      if (account === undefined) return { outcome: 'invalid', returnTo };
      await this.deps.identities.touch(known.id, email?.success ? email.data : undefined);
      return { outcome: 'signed-in', account, returnTo, created: false, passwordRemoved: false };
    }
    if (email === undefined || !email.success) return { outcome: 'no-email', returnTo };
    const pending = { provider: provider.name, subject: who.subject, email: email.data, emailVerified: who.emailVerified, returnTo };
    if (who.emailVerified) {
      const existing = await this.deps.accounts.findByEmail(email.data);
      if (existing !== undefined) return this.linkByProvenEmail(pending, existing.id);
      await this.deps.flows.savePending(newBrowserSecret, pending, undefined);
      return { outcome: 'confirm', returnTo, email: email.data };
    }
    const linkToken = newSecret();
    await this.deps.flows.savePending(newBrowserSecret, pending, linkToken);
    this.mailLink(provider, email.data, linkToken, (await this.deps.accounts.findByEmail(email.data)) !== undefined);
    return { outcome: 'check-email', returnTo, email: email.data };
  }

  /** The browser's pending identity (and whether an account has its email now), for the confirm pages. */
  async pending(browserSecret: string, linkToken: string | undefined): Promise<(PendingIdentity & { readonly accountExists: boolean }) | undefined> {
    const pending = await this.deps.flows.peekPending(browserSecret, linkToken);
    if (pending === undefined) return undefined;
    return { ...pending, accountExists: (await this.deps.accounts.findByEmail(pending.email)) !== undefined };
  }

  linkIsOpen(linkToken: string): Promise<boolean> {
    return this.deps.flows.linkIsOpen(linkToken);
  }

  /** Consent given (new account) or the mailed link followed (email proven): the account, signed in. */
  async confirm(browserSecret: string, linkToken: string | undefined, shown: Versions): Promise<ConfirmOutcome> {
    const open = await this.deps.flows.peekPending(browserSecret, linkToken);
    if (open === undefined) return { outcome: 'invalid' };
    const current = await this.currentPolicies();
    const existing = await this.deps.accounts.findByEmail(open.email);
    if (existing === undefined && policyDocuments.some((d) => shown[d] !== current[d].version)) return { outcome: 'policies-changed' };
    const pending = await this.deps.flows.spendPending(browserSecret, linkToken);
    if (pending === undefined) return { outcome: 'invalid' };
    if (existing !== undefined) return this.linkByProvenEmail(pending, existing.id);
    const now = new Date(this.deps.clock()).toISOString();
    const account = { id: randomUUID(), email: pending.email, createdAt: now, emailVerifiedAt: now };
    const consents = policyDocuments.map((document) => ({ document, policyVersion: current[document].version, wording: consentWording, method: 'signup-oidc' as const }));
    try {
      await this.deps.identities.createAccountWithIdentity(account, consents, pending);
    } catch (error) {
      if (error instanceof IdentityTakenError) return { outcome: 'linked-elsewhere', returnTo: pending.returnTo };
      if (!(error instanceof EmailTakenError)) throw error;
      // Signed up another way meanwhile: the email is proven all the same.
      const other = await this.deps.accounts.findByEmail(pending.email);
      if (other === undefined) return { outcome: 'invalid' };
      return this.linkByProvenEmail(pending, other.id);
    }
    return { outcome: 'signed-in', account: { id: account.id, email: account.email, isAdmin: false, createdAt: now, emailVerifiedAt: now, hasPassword: false }, returnTo: pending.returnTo, created: true, passwordRemoved: false };
  }

  async identitiesOf(accountId: string): Promise<LinkedIdentity[]> {
    const rows = await this.deps.identities.listOf(accountId);
    return rows.map((row) => ({ id: row.id, provider: row.provider, label: this.provider(row.provider)?.label ?? row.provider, email: row.email, linkedAt: row.linkedAt }));
  }

  unlink(accountId: string, identityId: string): Promise<UnlinkOutcome> {
    return this.deps.identities.unlink(accountId, identityId);
  }

  /**
   * Links an identity whose email is proven to the account with that email, and signs in. The
   * proof counts as an emailed link's would: a password set before anyone proved the mailbox
   * (a squatter's, perhaps) goes, with every session of the account.
   */
  private async linkByProvenEmail(pending: Omit<PendingIdentity, 'needsMailedLink'>, accountId: string): Promise<SignedIn | { outcome: 'linked-elsewhere'; returnTo: string }> {
    const { returnTo } = pending;
    try {
      await this.deps.identities.link(accountId, pending);
    } catch (error) {
      if (!(error instanceof IdentityTakenError)) throw error;
      const known = await this.deps.identities.findBySubject(pending.provider, pending.subject);
      if (known?.accountId !== accountId) return { outcome: 'linked-elsewhere', returnTo };
    }
    const { passwordRemoved } = await this.deps.emailTokens.proveMailbox(accountId, pending.email);
    if (passwordRemoved) await this.deps.sessions.destroyAllOf(accountId);
    const account = await this.deps.accounts.findById(accountId);
    if (account === undefined) return { outcome: 'linked-elsewhere', returnTo };
    return { outcome: 'signed-in', account, returnTo, created: false, passwordRemoved };
  }

  private mailLink(provider: OidcProviderConfig, email: string, token: string, accountExists: boolean): void {
    const link = new URL(`/signin/oidc/verify/${token}`, this.deps.publicUrl).href;
    const site = this.deps.siteName;
    const what = accountExists ? `to sign in to your ${site} account with ${provider.label}` : `to create your free ${site} account with ${provider.label}`;
    this.deps.mailer
      .send({
        to: email,
        subject: `Confirm your email address for ${site}`,
        text: `${provider.label} did not confirm that this email address is yours. To use it ${what}, open this link within 30 minutes, in the browser where you chose "Continue with ${provider.label}":\n\n${link}\n\nIf it was not you, ignore this mail: nothing changes without the link.\n`,
      })
      .catch((error: unknown) => this.deps.logger.error({ err: error }, 'could not send the provider email confirmation'));
  }
}
