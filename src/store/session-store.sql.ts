import session from 'express-session';
import type { Db } from './database';

type Callback<T = void> = (error?: unknown, value?: T) => void;

/** The signed-in account of a session's data, as passport stores it. */
export function accountIdOf(data: session.SessionData): string | undefined {
  const user = (data as { passport?: { user?: unknown } }).passport?.user;
  return typeof user === 'string' ? user : undefined;
}

/**
 * express-session store on the SQL database (SQLite on the embedded default), so sessions
 * survive a restart. The account id is kept in its own column so that every session of an
 * account can be found and ended.
 */
export class SqlSessionStore extends session.Store {
  private lastPurge = 0;

  constructor(
    private readonly db: Db,
    private readonly options: { defaultMaxAgeMs: number; purgeEveryMs?: number; now?: () => number },
  ) {
    super();
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  private expiresAt(data: session.SessionData): number {
    const expires = data.cookie?.expires;
    if (expires) return new Date(expires).getTime();
    return this.now() + this.options.defaultMaxAgeMs;
  }

  override get(sid: string, callback: Callback<session.SessionData | null>): void {
    this.db
      .selectFrom('sessions')
      .select(['data', 'expires_at'])
      .where('sid', '=', sid)
      .executeTakeFirst()
      .then((row) => {
        if (row === undefined || Number(row.expires_at) <= this.now()) return callback(null, null);
        callback(null, JSON.parse(row.data) as session.SessionData);
      }, callback);
  }

  override set(sid: string, data: session.SessionData, callback?: Callback): void {
    const values = { data: JSON.stringify(data), expires_at: this.expiresAt(data), account_id: accountIdOf(data) ?? null };
    this.db
      .insertInto('sessions')
      .values({ sid, ...values })
      .onConflict((oc) => oc.column('sid').doUpdateSet(values))
      .execute()
      .then(() => this.purgeExpiredNowAndThen())
      .then(() => callback?.(), (error) => callback?.(error));
  }

  override touch(sid: string, data: session.SessionData, callback?: Callback): void {
    this.db
      .updateTable('sessions')
      .set({ expires_at: this.expiresAt(data) })
      .where('sid', '=', sid)
      .execute()
      .then(() => callback?.(), (error) => callback?.(error));
  }

  override destroy(sid: string, callback?: Callback): void {
    this.db
      .deleteFrom('sessions')
      .where('sid', '=', sid)
      .execute()
      .then(() => callback?.(), (error) => callback?.(error));
  }

  /** Ends every session of an account, e.g. after a password change. */
  async destroyAllOf(accountId: string, exceptSid?: string): Promise<void> {
    let query = this.db.deleteFrom('sessions').where('account_id', '=', accountId);
    if (exceptSid !== undefined) query = query.where('sid', '!=', exceptSid);
    await query.execute();
  }

  private purgeTimer: NodeJS.Timeout | undefined;

  /** Deletes expired sessions every `purgeEveryMs` (an hour), whether or not anyone signs in. */
  startPurging(): void {
    if (this.purgeTimer !== undefined) return;
    this.purgeTimer = setInterval(() => void this.purgeExpired().catch(() => undefined), this.options.purgeEveryMs ?? 60 * 60 * 1000);
    this.purgeTimer.unref();
  }

  stopPurging(): void {
    clearInterval(this.purgeTimer);
    this.purgeTimer = undefined;
  }

  /** Deletes every expired session now; returns how many. */
  async purgeExpired(): Promise<number> {
    this.lastPurge = this.now();
    const result = await this.db.deleteFrom('sessions').where('expires_at', '<=', this.lastPurge).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  private async purgeExpiredNowAndThen(): Promise<void> {
    const now = this.now();
    if (now - this.lastPurge < (this.options.purgeEveryMs ?? 60 * 60 * 1000)) return;
    await this.purgeExpired();
  }
}
