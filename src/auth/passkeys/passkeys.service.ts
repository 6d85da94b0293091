import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { isoBase64URL } from '@simplewebauthn/server/helpers';
import type { Logger } from 'pino';
import type { Clock } from '../../config/clock';
import type { Messages } from '../../http/i18n';
import type { Mailer } from '../../mail/mailer';
import type { Account } from '../accounts.repository';
import type { PasskeySummary } from '../sign-in-methods';
import { challengeTtlMs, type ChallengePurpose, type PasskeyChallengesRepository } from './passkey-challenges.repository';
import { PasskeyTakenError, type PasskeysRepository } from './passkeys.repository';
import { authenticatorName, type RelyingParty } from './relying-party';

/** A passkey request the reader can do something about: the status and what to tell them. */
export class PasskeyRejected extends Error {
  constructor(
    readonly status: 400 | 403 | 404,
    message: string,
    /** Where the reader can get the sign-in this needs, when that is the remedy. */
    readonly signIn?: string,
  ) {
    super(message);
    this.name = 'PasskeyRejected';
  }
}


/** What a session proves about who holds it, for changes to an admin's passkeys. */
export interface ChangeProof {
  /** It signed in with one of the account's passkeys. */
  readonly provenWithPasskey: boolean;
  /** It signed in by an emailed link within recentSignInMs: whoever holds it reads the account's mail now. */
  readonly recentEmailLink: boolean;
}

/** The emailed-link page, back to the passkeys: an admin's first passkey starts there. */
export const emailLinkForPasskeys = '/signin/email?returnTo=%2Faccount%23passkeys';

export interface PasskeysServiceDeps {
  readonly passkeys: PasskeysRepository;
  readonly challenges: PasskeyChallengesRepository;
  readonly accounts: { findById(id: string): Promise<Account | undefined> };
  readonly rp: RelyingParty;
  readonly publicUrl: URL;
  readonly mailer: Mailer;
  readonly logger: Logger;
  readonly clock: Clock;
  /** The reader's words (LOCALE): the errors the script shows, the mail, a new passkey's name. */
  readonly messages: Messages;
}

/** The challenge a browser signed, read from its clientDataJSON before anything is verified. */
function challengeOf(clientDataJSON: string, messages: Messages): string {
  try {
    const data = JSON.parse(isoBase64URL.toUTF8String(clientDataJSON)) as { challenge?: unknown };
    if (typeof data.challenge === 'string' && data.challenge.length > 0) return data.challenge;
  } catch {
    // Falls through to the rejection.
  }
  throw new PasskeyRejected(400, messages.t('passkeys.errorUnreadable'));
}

/** The WebAuthn user handle of an account: its id (opaque, not the email). */
const userHandleOf = (accountId: string) => new TextEncoder().encode(accountId);

/**
 * Adding passkeys to accounts and signing in with them. `binding` names the session asking
 * (a keyed hash of its id): a challenge is answered from the session it was given to, once,
 * within five minutes.
 */
export class PasskeysService {
  constructor(private readonly deps: PasskeysServiceDeps) {}

  private rejected(status: PasskeyRejected['status'], key: 'passkeys.errorNotVerified' | 'passkeys.errorExpired' | 'passkeys.errorAdminChange' | 'passkeys.errorTaken' | 'passkeys.errorUnknown' | 'passkeys.errorNoSuch', signIn?: string): PasskeyRejected {
    return new PasskeyRejected(status, this.deps.messages.t(key), signIn);
  }

  list(accountId: string): Promise<PasskeySummary[]> {
    return this.deps.passkeys.listOf(accountId);
  }

  /**
   * An admin's passkeys are their second factor (ADMIN_REQUIRE_PASSKEY): once an admin has
   * one, adding or removing one takes a session that signed in with one, or a stolen
   * password would be enough to swap in the thief's own. The first one takes a session that
   * signed in by an emailed link just now, for the same reason: a password alone must not
   * enrol the key that then opens the admin. This holds whether ADMIN_REQUIRE_PASSKEY is on
   * or not: a passkey a thief planted while it was off would pass the gate once it is on.
   */
  async checkMayChange(account: Account, proof: ChangeProof, change: 'add' | 'remove'): Promise<void> {
    if (!account.isAdmin || proof.provenWithPasskey) return;
    const hasPasskeys = (await this.deps.passkeys.credentialsOf(account.id)).length > 0;
    if (hasPasskeys) throw this.rejected(403, 'passkeys.errorAdminChange');
    if (change === 'remove' || proof.recentEmailLink) return;
    throw new PasskeyRejected(403, this.deps.messages.t('passkeys.errorAdminFirst'), emailLinkForPasskeys);
  }

  async registrationOptions(account: Account, binding: string): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const { rp } = this.deps;
    const existing = await this.deps.passkeys.credentialsOf(account.id);
    const options = await generateRegistrationOptions({
      rpName: rp.name,
      rpID: rp.id,
      userName: account.email,
      userDisplayName: account.email,
      userID: userHandleOf(account.id),
      timeout: challengeTtlMs,
      attestationType: 'none',
      // The browser refuses an authenticator that already holds one of this account's passkeys.
      excludeCredentials: existing.map((c) => ({ id: c.id, transports: c.transports as AuthenticatorTransport[] })),
      // Discoverable: signing in needs no email typed first.
      authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
    });
    await this.deps.challenges.issue({ challenge: options.challenge, purpose: 'register', binding, accountId: account.id });
    return options;
  }

  async register(account: Account, binding: string, response: RegistrationResponseJSON, requestedName: string | undefined): Promise<PasskeySummary> {
    const { rp } = this.deps;
    const challenge = await this.spend(response.response.clientDataJSON, 'register', binding, account.id);
    let info;
    try {
      const verification = await verifyRegistrationResponse({ response, expectedChallenge: challenge, expectedOrigin: rp.origin, expectedRPID: rp.id, requireUserVerification: false });
      if (!verification.verified) throw new Error('not verified');
      info = verification.registrationInfo;
    } catch (error) {
      this.deps.logger.info({ reason: (error as Error).message }, 'a passkey registration was refused');
      throw this.rejected(400, 'passkeys.errorNotVerified');
    }
    const name = requestedName || authenticatorName(info.aaguid) || this.deps.messages.t('passkeys.defaultName', { date: this.deps.messages.formatDate(new Date(this.deps.clock())) });
    const { credential } = info;
    try {
      await this.deps.passkeys.add({
        id: credential.id,
        accountId: account.id,
        publicKey: isoBase64URL.fromBuffer(credential.publicKey),
        counter: credential.counter,
        transports: credential.transports ?? response.response.transports ?? [],
        name,
      });
    } catch (error) {
      if (error instanceof PasskeyTakenError) throw this.rejected(400, 'passkeys.errorTaken');
      throw error;
    }
    this.tellOwner(account, name);
    return { id: credential.id, name, createdAt: new Date(this.deps.clock()).toISOString(), lastUsedAt: null };
  }

  async signInOptions(binding: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
    // No allowCredentials: the browser offers the passkeys it holds for this site.
    const options = await generateAuthenticationOptions({ rpID: this.deps.rp.id, userVerification: 'preferred', timeout: challengeTtlMs });
    await this.deps.challenges.issue({ challenge: options.challenge, purpose: 'signin', binding });
    return options;
  }

  /** The account whose passkey answered; its counter and last use are recorded. */
  async signIn(binding: string, response: AuthenticationResponseJSON): Promise<Account> {
    const { rp } = this.deps;
    const challenge = await this.spend(response.response.clientDataJSON, 'signin', binding);
    const passkey = await this.deps.passkeys.find(response.id);
    if (passkey === undefined) throw this.rejected(400, 'passkeys.errorUnknown');
    // A discoverable credential names its account; it must be the one the passkey was added to.
    const handle = response.response.userHandle;
    if (handle !== undefined && handle !== isoBase64URL.fromBuffer(userHandleOf(passkey.accountId))) throw this.rejected(400, 'passkeys.errorNotVerified');
    let newCounter: number;
    try {
      const verification = await verifyAuthenticationResponse({
        response,
        expectedChallenge: challenge,
        expectedOrigin: rp.origin,
        expectedRPID: rp.id,
        credential: { id: passkey.id, publicKey: isoBase64URL.toBuffer(passkey.publicKey), counter: passkey.counter, transports: passkey.transports as AuthenticatorTransport[] },
        requireUserVerification: false,
      });
      if (!verification.verified) throw new Error('not verified');
      newCounter = verification.authenticationInfo.newCounter;
    } catch (error) {
      this.deps.logger.info({ reason: (error as Error).message }, 'a passkey sign-in was refused');
      throw this.rejected(400, 'passkeys.errorNotVerified');
    }
    if (!(await this.deps.passkeys.recordUse(passkey.id, passkey.counter, newCounter))) {
      this.deps.logger.warn({ passkey: passkey.id }, 'a passkey showed a signature counter that did not move forward: a cloned authenticator?');
      throw this.rejected(400, 'passkeys.errorNotVerified');
    }
    const account = await this.deps.accounts.findById(passkey.accountId);
    if (account === undefined) throw this.rejected(400, 'passkeys.errorNotVerified');
    return account;
  }

  async remove(account: Account, id: string, proof: ChangeProof): Promise<void> {
    await this.checkMayChange(account, proof, 'remove');
    if (!(await this.deps.passkeys.remove(account.id, id))) throw this.rejected(404, 'passkeys.errorNoSuch');
  }

  private async spend(clientDataJSON: string, purpose: ChallengePurpose, binding: string, accountId?: string): Promise<string> {
    const challenge = challengeOf(clientDataJSON, this.deps.messages);
    if (!(await this.deps.challenges.spend({ challenge, purpose, binding, accountId }))) throw this.rejected(400, 'passkeys.errorExpired');
    return challenge;
  }

  /** A new way into the account is worth a mail: its owner learns of one they did not add. */
  private tellOwner(account: Account, name: string): void {
    const { messages } = this.deps;
    const text = messages.t('passkeys.mailAddedText', { name, site: this.deps.rp.name, link: new URL('/account', this.deps.publicUrl).href });
    this.deps.mailer.send({ to: account.email, subject: messages.t('passkeys.mailAddedSubject'), text }).catch((error: unknown) => this.deps.logger.error({ err: error }, 'could not send the passkey-added mail'));
  }
}
