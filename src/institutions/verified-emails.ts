import type { Logger } from 'pino';
import type { Clock } from '../config/clock';

/** An account's email and whether it is verified (auth's accounts repository satisfies it). */
export interface AccountEmails {
  findById(id: string): Promise<{ readonly email: string; readonly emailVerifiedAt?: string } | undefined>;
}

export interface VerifiedEmailsDeps {
  readonly accounts: AccountEmails;
  readonly clock: Clock;
  readonly logger: Logger;
  /** How long a verified email is kept: an email change applies within it. */
  readonly ttlMs?: number;
  /** How long "none verified" is kept: a reader who has just verified reads within it. */
  readonly unverifiedTtlMs?: number;
  readonly maxEntries?: number;
}

export const verifiedEmailTtlMs = 60_000;
export const unverifiedEmailTtlMs = 5_000;

/**
 * Signed-in readers' verified emails, kept briefly in memory so that a view costs no query:
 * one per account per minute per instance (every five seconds while it is unverified, so
 * that a reader who has just followed the link reads on at once), and none at all while no
 * institution has an email domain (the caller asks only then). Kept here rather than in the session because a
 * reader often verifies, or changes, their email from another device: the session would
 * not hear of it until the next sign-in. Unverified emails answer nothing.
 */
export class VerifiedEmails {
  private readonly entries = new Map<string, { email: string | undefined; at: number }>();
  private readonly loading = new Map<string, Promise<string | undefined>>();
  private readonly ttlMs: number;
  private readonly unverifiedTtlMs: number;
  private readonly maxEntries: number;

  constructor(private readonly deps: VerifiedEmailsDeps) {
    this.ttlMs = deps.ttlMs ?? verifiedEmailTtlMs;
    this.unverifiedTtlMs = deps.unverifiedTtlMs ?? unverifiedEmailTtlMs;
    this.maxEntries = deps.maxEntries ?? 50_000;
  }

  async of(accountId: string): Promise<string | undefined> {
    const now = this.deps.clock();
    const entry = this.entries.get(accountId);
    if (entry !== undefined && now - entry.at < (entry.email === undefined ? this.unverifiedTtlMs : this.ttlMs)) return entry.email;
    let pending = this.loading.get(accountId);
    if (pending === undefined) {
      pending = this.load(accountId).finally(() => this.loading.delete(accountId));
      this.loading.set(accountId, pending);
    }
    return pending;
  }

  private async load(accountId: string): Promise<string | undefined> {
    try {
      const account = await this.deps.accounts.findById(accountId);
      const email = account?.emailVerifiedAt === undefined ? undefined : account.email;
      // The oldest entry goes first when full (a Map keeps insertion order).
      this.entries.delete(accountId);
      if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(accountId, { email, at: this.deps.clock() });
      return email;
    } catch (error) {
      // The database is down: no institution by email for now (the address still counts).
      this.deps.logger.warn({ err: error }, 'could not read a reader\'s email for institutional access');
      return undefined;
    }
  }
}
