import { randomBytes, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../../config/clock';
import type { OidcProviderConfig } from '../../config/oidc-config';
import type { Mailer } from '../../mail/mailer';
import type { AccountSessions } from '../../store/session-store.redis';
import { newsletterConsent, policyDocuments, type Policy } from '../../consent/consent.module';
import { consentWording } from '../accounts.service';
import { EmailTakenError, type Account, type AccountsRepository } from '../accounts.repository';
import type { EmailTokensRepository } from '../email-tokens.repository';
import { emailSchema } from '../email';
import { signupPolicies, type PolicyCatalog } from '../ports';
import type { LinkedIdentity } from '../sign-in-methods';
import { IdentityTakenError, type IdentitiesRepository, type IdentityRow, type NewIdentity, type UnlinkOutcome } from './identities.repository';
import type { OidcClient } from './oidc-client';
import type { OidcFlowsRepository, OidcRequest, PendingIdentity } from './oidc-flows.repository';
import { OidcMails } from './oidc-mails';

export type Versions = Partial<Record<'terms' | 'privacy', string>>;

export type SignedIn = { readonly outcome: 'signed-in'; readonly account: Account; readonly returnTo: string; readonly created: boolean; readonly passwordRemoved: boolean };

/** What the provider's answer leads to. */
export type CallbackOutcome =
  | SignedIn
  | { readonly outcome: 'linked' | 'already-linked' | 'linked-elsewhere' | 'no-email' | 'unusable-email' | 'invalid'; readonly returnTo: string }
  /** A pending identity was saved under the browser's new secret: consent next, or a mailed link. */
  | { readonly outcome: 'confirm' | 'check-email'; readonly returnTo: string; readonly email: string };

export type ConfirmOutcome = SignedIn | { readonly outcome: 'invalid' } | { readonly outcome: 'policies-changed' } | { readonly outcome: 'linked-elsewhere'; readonly returnTo: string };

export interface OidcServiceDeps {
  readonly messages: import('../../http/i18n').Messages;
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
 * Who vouches for a subject: the configured issuer, normalised by URL (so "https://x" and
 * "https://x/" are one). openid-client checks the ID token's `iss` against the issuer that
 * discovery of this URL found, so a subject stored under it came from it.
 */
export const issuerOf = (provider: OidcProviderConfig): string => provider.issuer.href;

/**
 * "Continue with <provider>" (SPEC section 6). An identity is the issuer's `sub`, never the
 * email. A new identity joins an account with its email only when the email is proven: by
 * the provider (`email_verified`, from a provider trusted to say so, and never for an admin's
 * account), or by a mailed link followed in the same browser (so that neither whoever holds
 * the provider account nor whoever reads the mail can do it alone). A signed-in reader links
 * one only from the account page (a form, a recent sign-in); every link is mailed to the owner.
 */
export class OidcService {
  private readonly mails: OidcMails;

  constructor(private readonly deps: OidcServiceDeps) {
    this.mails = new OidcMails(deps);
  }

  provider(name: string): OidcProviderConfig | undefined {
    return this.deps.providers.find((p) => p.name === name);
  }

  redirectUri(provider: OidcProviderConfig): URL {
    return new URL(`/signin/oidc/${provider.name}/callback`, this.deps.publicUrl);
  }

  currentPolicies(): Promise<Record<'terms' | 'privacy', Policy>> {
    return signupPolicies(this.deps.policies, this.deps.messages);
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
    const issuer = issuerOf(provider);
    const known = await this.deps.identities.findBySubject(issuer, who.subject);
    const email = who.email === undefined ? undefined : emailSchema.safeParse(who.email);
    if (request.accountId !== undefined) return this.linkToSignedIn(provider, request.accountId, known, { issuer, subject: who.subject, email: email?.success ? email.data : '' }, returnTo);
    if (known !== undefined) {
      const account = await this.deps.accounts.findById(known.accountId);
      if (account === undefined) return { outcome: 'invalid', returnTo };
      await this.deps.identities.touch(known.id, email?.success ? email.data : undefined);
      return { outcome: 'signed-in', account, returnTo, created: false, passwordRemoved: false };
    }
    if (email === undefined) return { outcome: 'no-email', returnTo };
    // Not an address this site takes (a look-alike character, say): it proves nothing and makes no account.
    if (!email.success) return { outcome: 'unusable-email', returnTo };
    // The provider's word on the email counts only where it is trusted to give it (OIDC_<NAME>_TRUST_EMAIL).
    const verified = who.emailVerified && provider.trustEmail;
    const pending = { provider: provider.name, subject: who.subject, email: email.data, emailVerified: verified, returnTo };
    const existing = await this.deps.accounts.findByEmail(email.data);
    // An admin's account is never joined on a provider's word alone: the mailed link, too.
    if (verified && existing?.isAdmin !== true) {
      if (existing !== undefined) return this.linkByProvenEmail(provider, pending, existing.id);
      await this.deps.flows.savePending(newBrowserSecret, pending, undefined);
      return { outcome: 'confirm', returnTo, email: email.data };
    }
    const linkToken = newSecret();
    await this.deps.flows.savePending(newBrowserSecret, pending, linkToken);
    this.mails.confirmEmail(provider, email.data, linkToken, existing !== undefined);
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

  /** Consent given (new account; `newsletter` its box) or the mailed link followed (email proven): the account, signed in. */
  async confirm(browserSecret: string, linkToken: string | undefined, shown: Versions, newsletter: boolean): Promise<ConfirmOutcome> {
    const open = await this.deps.flows.peekPending(browserSecret, linkToken);
    if (open === undefined) return { outcome: 'invalid' };
    const current = await this.currentPolicies();
    const existing = await this.deps.accounts.findByEmail(open.email);
    if (existing === undefined && policyDocuments.some((d) => shown[d] !== current[d].version)) return { outcome: 'policies-changed' };
    const provider = this.provider(open.provider);
    // Proven by the provider only (no mailed link): never enough for an admin's account.
    const providerProofOnly = linkToken === undefined;
    if (provider === undefined || (providerProofOnly && existing?.isAdmin === true)) return { outcome: 'invalid' };
    const pending = await this.deps.flows.spendPending(browserSecret, linkToken);
    if (pending === undefined) return { outcome: 'invalid' };
    if (existing !== undefined) return this.linkByProvenEmail(provider, pending, existing.id);
    const now = new Date(this.deps.clock()).toISOString();
    const account = { id: randomUUID(), email: pending.email, createdAt: now, emailVerifiedAt: now };
    const consents = [
      ...policyDocuments.map((document) => ({ document, policyVersion: current[document].version, wording: consentWording(this.deps.messages), method: 'signup-oidc' as const })),
      ...(newsletter ? [newsletterConsent(this.deps.messages, 'signup-oidc')] : []),
    ];
    try {
      await this.deps.identities.createAccountWithIdentity(account, consents, { ...pending, issuer: issuerOf(provider) });
    } catch (error) {
      if (error instanceof IdentityTakenError) return { outcome: 'linked-elsewhere', returnTo: pending.returnTo };
      if (!(error instanceof EmailTakenError)) throw error;
      // Signed up another way meanwhile: the email is proven all the same.
      const other = await this.deps.accounts.findByEmail(pending.email);
      if (other === undefined || (providerProofOnly && other.isAdmin)) return { outcome: 'invalid' };
      return this.linkByProvenEmail(provider, pending, other.id);
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

  /** A link started from the account page (recent sign-in, CSRF): to that account, and its owner told. */
  private async linkToSignedIn(provider: OidcProviderConfig, accountId: string, known: IdentityRow | undefined, identity: Omit<NewIdentity, 'provider'>, returnTo: string): Promise<CallbackOutcome> {
    if (known !== undefined) return { outcome: known.accountId === accountId ? 'already-linked' : 'linked-elsewhere', returnTo };
    const account = await this.deps.accounts.findById(accountId);
    if (account === undefined) return { outcome: 'invalid', returnTo };
    try {
      await this.deps.identities.link(accountId, { ...identity, provider: provider.name });
    } catch (error) {
      if (error instanceof IdentityTakenError) return { outcome: 'linked-elsewhere', returnTo };
      throw error;
    }
    this.mails.identityLinked(account.email, provider, identity.email);
    return { outcome: 'linked', returnTo };
  }

  /**
   * Links an identity whose email is proven to the account with that email, and signs in. The
   * proof counts as an emailed link's would: a password set before anyone proved the mailbox
   * (a squatter's, perhaps) goes, with every session of the account. The owner is mailed, as
   * for every new way in.
   */
  private async linkByProvenEmail(provider: OidcProviderConfig, pending: Omit<PendingIdentity, 'needsMailedLink'>, accountId: string): Promise<SignedIn | { outcome: 'linked-elsewhere'; returnTo: string }> {
    const { returnTo } = pending;
    const identity = { ...pending, issuer: issuerOf(provider) };
    let linked = true;
    try {
      await this.deps.identities.link(accountId, identity);
    } catch (error) {
      if (!(error instanceof IdentityTakenError)) throw error;
      const known = await this.deps.identities.findBySubject(identity.issuer, identity.subject);
      if (known?.accountId !== accountId) return { outcome: 'linked-elsewhere', returnTo };
      linked = false;
    }
    const { passwordRemoved } = await this.deps.emailTokens.proveMailbox(accountId, pending.email);
    if (passwordRemoved) await this.deps.sessions.destroyAllOf(accountId);
    const account = await this.deps.accounts.findById(accountId);
    if (account === undefined) return { outcome: 'linked-elsewhere', returnTo };
    if (linked) this.mails.identityLinked(account.email, provider, pending.email);
    return { outcome: 'signed-in', account, returnTo, created: false, passwordRemoved };
  }
}
