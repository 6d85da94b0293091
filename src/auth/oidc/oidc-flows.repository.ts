import { createHash } from 'node:crypto';
import type { Clock } from '../../config/clock';
import type { Db } from '../../store/database';

export const requestTtlMs = 10 * 60 * 1000;
/** Long enough to read the consent line, or to fetch a mailed link (which itself lasts 15 minutes). */
export const pendingTtlMs = 30 * 60 * 1000;

const hash = (secret: string) => createHash('sha256').update(secret).digest('hex');

/** An authorization request between the redirect to the provider and its callback. */
export interface OidcRequest {
  readonly provider: string;
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  readonly returnTo: string;
  /** Who was signed in when it started: the identity is linked to them. */
  readonly accountId: string | undefined;
}

/** An identity that waits for consent (no account yet) or for its email to be proven by a mailed link. */
export interface PendingIdentity {
  readonly provider: string;
  readonly subject: string;
  readonly email: string;
  readonly emailVerified: boolean;
  readonly returnTo: string;
  /** True when it waits for a mailed link. */
  readonly needsMailedLink: boolean;
}

type PendingRow = { provider: string; subject: string; email: string; email_verified: number; return_to: string; link_hash: string | null };
const toPending = (row: PendingRow): PendingIdentity => ({
  provider: row.provider,
  subject: row.subject,
  email: row.email,
  emailVerified: row.email_verified === 1,
  returnTo: row.return_to,
  needsMailedLink: row.link_hash !== null,
});

/**
 * The server-side half of "Continue with <provider>": each row is found by the hash of a
 * secret the browser holds in a cookie (and, for a mailed link, of the link's token too), and
 * is spent by one atomic update, so that of two parallel requests one wins.
 */
export class OidcFlowsRepository {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  private now(): Date {
    return new Date(this.clock());
  }

  async saveRequest(browserSecret: string, request: OidcRequest): Promise<void> {
    const now = this.now();
    // Rows outlive their expiry by a day (a late callback is told "expired"), then go.
    await this.db.deleteFrom('oidc_requests').where('expires_at', '<', new Date(now.getTime() - 24 * 60 * 60 * 1000).toISOString()).execute();
    await this.db
      .insertInto('oidc_requests')
      .values({
        browser_hash: hash(browserSecret),
        provider: request.provider,
        state: request.state,
        nonce: request.nonce,
        code_verifier: request.codeVerifier,
        return_to: request.returnTo,
        account_id: request.accountId ?? null,
        expires_at: new Date(now.getTime() + requestTtlMs).toISOString(),
        used_at: null,
      })
      .execute();
  }

  /** Spends the browser's open request; undefined when there is none (spent, expired, another browser's). */
  async spendRequest(browserSecret: string): Promise<OidcRequest | undefined> {
    const now = this.now().toISOString();
    const row = await this.db
      .updateTable('oidc_requests')
      .set({ used_at: now })
      .where('browser_hash', '=', hash(browserSecret))
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .returning(['provider', 'state', 'nonce', 'code_verifier', 'return_to', 'account_id'])
      .executeTakeFirst();
    if (row === undefined) return undefined;
    return { provider: row.provider, state: row.state, nonce: row.nonce, codeVerifier: row.code_verifier, returnTo: row.return_to, accountId: row.account_id ?? undefined };
  }

  /** `linkToken` when the email must be proven first: the mailed link carries it. */
  async savePending(browserSecret: string, pending: Omit<PendingIdentity, 'needsMailedLink'>, linkToken: string | undefined): Promise<void> {
    const now = this.now();
    await this.db.deleteFrom('oidc_pending').where('expires_at', '<', new Date(now.getTime() - 24 * 60 * 60 * 1000).toISOString()).execute();
    await this.db
      .insertInto('oidc_pending')
      .values({
        browser_hash: hash(browserSecret),
        link_hash: linkToken === undefined ? null : hash(linkToken),
        provider: pending.provider,
        subject: pending.subject,
        email: pending.email,
        email_verified: pending.emailVerified ? 1 : 0,
        return_to: pending.returnTo,
        expires_at: new Date(now.getTime() + pendingTtlMs).toISOString(),
        used_at: null,
      })
      .execute();
  }

  /** The open pending identity of this browser (and link, when given); reading spends nothing. */
  async peekPending(browserSecret: string, linkToken: string | undefined): Promise<PendingIdentity | undefined> {
    const now = this.now().toISOString();
    const row = await this.db
      .selectFrom('oidc_pending')
      .select(['provider', 'subject', 'email', 'email_verified', 'return_to', 'link_hash'])
      .where('browser_hash', '=', hash(browserSecret))
      .where('link_hash', linkToken === undefined ? 'is' : '=', linkToken === undefined ? null : hash(linkToken))
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return row === undefined ? undefined : toPending(row);
  }

  /** Whether a mailed link is open at all, whichever browser holds its other half. */
  async linkIsOpen(linkToken: string): Promise<boolean> {
    const now = this.now().toISOString();
    const row = await this.db.selectFrom('oidc_pending').select('provider').where('link_hash', '=', hash(linkToken)).where('used_at', 'is', null).where('expires_at', '>', now).executeTakeFirst();
    return row !== undefined;
  }

  /** Spends it: one of two parallel confirmations gets it, the other undefined. */
  async spendPending(browserSecret: string, linkToken: string | undefined): Promise<PendingIdentity | undefined> {
    const now = this.now().toISOString();
    const row = await this.db
      .updateTable('oidc_pending')
      .set({ used_at: now })
      .where('browser_hash', '=', hash(browserSecret))
      .where('link_hash', linkToken === undefined ? 'is' : '=', linkToken === undefined ? null : hash(linkToken))
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .returning(['provider', 'subject', 'email', 'email_verified', 'return_to', 'link_hash'])
      .executeTakeFirst();
    return row === undefined ? undefined : toPending(row);
  }
}
