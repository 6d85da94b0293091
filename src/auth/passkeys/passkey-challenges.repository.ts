import { createHash } from 'node:crypto';
import type { Clock } from '../../config/clock';
import type { Db } from '../../store/database';

export type ChallengePurpose = 'register' | 'signin';

/** How long a reader has to answer the browser's passkey prompt. */
export const challengeTtlMs = 5 * 60 * 1000;

const idOf = (challenge: string) => createHash('sha256').update(challenge).digest('hex');

/**
 * Challenges waiting for their answer. Each is spent by one atomic delete that also checks
 * its purpose, the session that asked and its expiry, so a replayed answer, or a second one
 * racing the first, finds nothing to spend.
 */
export class PasskeyChallengesRepository {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** Keeps a new challenge; the session's earlier one for the same purpose goes (one open at a time). */
  async issue(input: { challenge: string; purpose: ChallengePurpose; binding: string; accountId?: string }): Promise<void> {
    const now = this.clock();
    await this.db.deleteFrom('passkey_challenges').where((eb) => eb.or([eb('expires_at', '<', new Date(now).toISOString()), eb.and([eb('binding', '=', input.binding), eb('purpose', '=', input.purpose)])])).execute();
    await this.db
      .insertInto('passkey_challenges')
      .values({ id: idOf(input.challenge), purpose: input.purpose, binding: input.binding, account_id: input.accountId ?? null, expires_at: new Date(now + challengeTtlMs).toISOString() })
      .execute();
  }

  /**
   * Spends the challenge when it is open, unexpired, for this purpose and this session (and
   * account); true when this call spent it. Another session's answer spends nothing, so it
   * cannot use up the reader's challenge either.
   */
  async spend(input: { challenge: string; purpose: ChallengePurpose; binding: string; accountId?: string }): Promise<boolean> {
    let query = this.db
      .deleteFrom('passkey_challenges')
      .where('id', '=', idOf(input.challenge))
      .where('purpose', '=', input.purpose)
      .where('binding', '=', input.binding)
      .where('expires_at', '>', new Date(this.clock()).toISOString());
    query = input.accountId === undefined ? query.where('account_id', 'is', null) : query.where('account_id', '=', input.accountId);
    const result = await query.executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }
}
