import { createHash, createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../config/clock';
import { isUniqueViolation, type Db } from '../store/database';
import { EmailTakenError } from './accounts.repository';

export type EmailTokenPurpose = 'signin' | 'signup' | 'verify' | 'change';

/** What an open emailed link stands for. */
export interface EmailToken {
  readonly purpose: EmailTokenPurpose;
  /** Absent for a sign-up link: the account does not exist yet. */
  readonly accountId: string | undefined;
  /** The address the link was mailed to. */
  readonly email: string;
  readonly returnTo: string;
  /** A sign-up link asked for with the newsletter box ticked (the gate's): only the code on that page keeps it. */
  readonly newsletter: boolean;
}

/** The code mailed beside a link gives this many tries, then the link is spent. */
export const codeTries = 5;

const hash = (value: string) => createHash('sha256').update(value).digest('hex');

type Row = { purpose: EmailTokenPurpose; account_id: string | null; email: string; return_to: string; newsletter: number | null };
const toToken = (row: Row): EmailToken => ({ purpose: row.purpose, accountId: row.account_id ?? undefined, email: row.email, returnTo: row.return_to, newsletter: row.newsletter === 1 });
const tokenColumns = ['purpose', 'account_id', 'email', 'return_to', 'newsletter'] as const;

export class EmailTokensRepository {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    /** The session secret: a code has a million values, so a plain hash of it is no secret; a keyed one is. */
    private readonly secret: string,
  ) {}

  private codeHash(email: string, code: string): string {
    return createHmac('sha256', this.secret).update(`${email}\n${code}`).digest('hex');
  }

  /** A new single-use link token (256 random bits) and, when asked, a 6-digit code; only hashes are stored. */
  async create(input: { purpose: EmailTokenPurpose; accountId?: string; email: string; returnTo?: string; ttlMs: number; withCode?: boolean; newsletter?: boolean }): Promise<{ token: string; code: string | undefined }> {
    const now = new Date(this.clock());
    const token = randomBytes(32).toString('base64url');
    const code = input.withCode ? String(randomInt(0, 1_000_000)).padStart(6, '0') : undefined;
    await this.db
      .insertInto('email_tokens')
      .values({
        token_hash: hash(token),
        purpose: input.purpose,
        account_id: input.accountId ?? null,
        email: input.email,
        return_to: input.returnTo ?? '/',
        code_hash: code === undefined ? null : this.codeHash(input.email, code),
        code_tries: 0,
        expires_at: new Date(now.getTime() + input.ttlMs).toISOString(),
        used_at: null,
        created_at: now.toISOString(),
        newsletter: input.newsletter === true ? 1 : null,
      })
      .execute();
    // Links are kept a day past their expiry (to answer "already used"), then go with their
    // email addresses, many of which never become accounts.
    await this.db.deleteFrom('email_tokens').where('expires_at', '<', new Date(now.getTime() - 24 * 60 * 60 * 1000).toISOString()).execute();
    return { token, code };
  }

  /** The link a token opens while it is unused and unexpired; reading spends nothing. */
  async peek(token: string, purposes: readonly EmailTokenPurpose[]): Promise<EmailToken | undefined> {
    const now = new Date(this.clock());
    const row = await this.db
      .selectFrom('email_tokens')
      .select(tokenColumns)
      .where('token_hash', '=', hash(token))
      .where('purpose', 'in', purposes)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now.toISOString())
      .executeTakeFirst();
    return row === undefined ? undefined : toToken(row);
  }

  /** Spends the token; undefined when it was already spent, expired or unknown (one caller wins a race). */
  async redeem(token: string, purposes: readonly EmailTokenPurpose[]): Promise<EmailToken | undefined> {
    const now = new Date(this.clock());
    const row = await this.db
      .updateTable('email_tokens')
      .set({ used_at: now.toISOString() })
      .where('token_hash', '=', hash(token))
      .where('purpose', 'in', purposes)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now.toISOString())
      .returning(tokenColumns)
      .executeTakeFirst();
    return row === undefined ? undefined : toToken(row);
  }

  /**
   * Spends the newest open sign-in or sign-up link of `email` when `code` is its code. Each
   * try is counted before the comparison, atomically, so parallel guesses get no more than
   * `codeTries` between them; the last wrong one spends the link.
   */
  async redeemCode(email: string, code: string): Promise<EmailToken | undefined> {
    const now = new Date(this.clock());
    const open = await this.db
      .selectFrom('email_tokens')
      .select('token_hash')
      .where('email', '=', email)
      .where('purpose', 'in', ['signin', 'signup'])
      .where('code_hash', 'is not', null)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now.toISOString())
      .orderBy('created_at', 'desc')
      .executeTakeFirst();
    if (open === undefined) return undefined;
    const tried = await this.db
      .updateTable('email_tokens')
      .set((eb) => ({ code_tries: eb('code_tries', '+', 1) }))
      .where('token_hash', '=', open.token_hash)
      .where('used_at', 'is', null)
      .where('code_tries', '<', codeTries)
      .returning(['code_hash', 'code_tries'])
      .executeTakeFirst();
    if (tried === undefined) return undefined;
    const given = Buffer.from(this.codeHash(email, code));
    const matches = tried.code_hash !== null && timingSafeEqual(given, Buffer.from(tried.code_hash));
    if (!matches) {
      if (tried.code_tries >= codeTries) await this.spend(open.token_hash, now);
      return undefined;
    }
    const row = await this.db
      .updateTable('email_tokens')
      .set({ used_at: now.toISOString() })
      .where('token_hash', '=', open.token_hash)
      .where('used_at', 'is', null)
      .returning(tokenColumns)
      .executeTakeFirst();
    return row === undefined ? undefined : toToken(row);
  }

  /**
   * Moves the account to its new, now proven, email in one transaction, and spends every
   * outstanding link and password reset of the account. Throws EmailTakenError when
   * another account took the address meanwhile.
   */
  async applyEmailChange(accountId: string, email: string): Promise<void> {
    const at = new Date(this.clock()).toISOString();
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx.updateTable('accounts').set({ email, email_verified_at: at, updated_at: at }).where('id', '=', accountId).execute();
        await trx.updateTable('email_tokens').set({ used_at: at }).where('account_id', '=', accountId).where('used_at', 'is', null).execute();
        await trx.updateTable('password_resets').set({ used_at: at }).where('account_id', '=', accountId).where('used_at', 'is', null).execute();
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new EmailTakenError();
      throw error;
    }
  }

  /**
   * Records that a mailed link proved `email` for the account. When the account was never
   * verified and has a password, whoever set that password had not proven the mailbox (it
   * may be a squatter who signed up first), so in one transaction the password goes, every
   * outstanding link and reset is spent, and the email is marked verified; the caller ends
   * the sessions. Returns whether a password was removed.
   */
  async proveMailbox(accountId: string, email: string): Promise<{ passwordRemoved: boolean }> {
    const at = new Date(this.clock()).toISOString();
    return this.db.transaction().execute(async (trx) => {
      const cleared = await trx
        .updateTable('accounts')
        .set({ password_hash: '', email_verified_at: at, updated_at: at })
        .where('id', '=', accountId)
        .where('email', '=', email)
        .where('email_verified_at', 'is', null)
        .where('password_hash', '<>', '')
        .executeTakeFirst();
      if (cleared.numUpdatedRows === 0n) {
        await trx.updateTable('accounts').set({ email_verified_at: at }).where('id', '=', accountId).where('email', '=', email).where('email_verified_at', 'is', null).execute();
        return { passwordRemoved: false };
      }
      await trx.updateTable('email_tokens').set({ used_at: at }).where('account_id', '=', accountId).where('used_at', 'is', null).execute();
      await trx.updateTable('password_resets').set({ used_at: at }).where('account_id', '=', accountId).where('used_at', 'is', null).execute();
      return { passwordRemoved: true };
    });
  }

  private async spend(tokenHash: string, now: Date): Promise<void> {
    await this.db.updateTable('email_tokens').set({ used_at: now.toISOString() }).where('token_hash', '=', tokenHash).where('used_at', 'is', null).execute();
  }
}
