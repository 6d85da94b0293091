import { createHmac } from 'node:crypto';
import type { Db } from '../store/database';
import type { Trx } from './subscription-lock';

/**
 * One trial per reader (SPEC section 13), kept past the account. A subscription's `had_trial`
 * is deleted with its account; a claim is not: it is keyed by a keyed hash (HMAC with the
 * session secret, as the sign-in throttle keys its counters) of the reader's normalised email
 * and of the account id, so a reader who deletes the account and signs up again with the same
 * email is known, while the table holds nothing personal in clear. A new account with another
 * email is another reader, as far as anything here can tell.
 *
 * A claim names the subscription that took the trial (hashed too): a second subscription that
 * comes trialing for the same reader (two Checkouts opened at once) is told apart from the
 * first one seen again, so only the second loses its trial.
 */
export class TrialClaims {
  constructor(private readonly secret: string) {}

  /** Emails are compared trimmed and lower-cased, as auth stores them. */
  keysOf(account: { id: string; email: string | undefined }): string[] {
    return [this.hash('account', account.id), ...(account.email === undefined ? [] : [this.hash('email', account.email.trim().toLowerCase())])];
  }

  /** Whether any of the reader's keys is claimed (by any subscription, of any account). */
  async claimed(db: Db, account: { id: string; email: string | undefined }): Promise<boolean> {
    const row = await db.selectFrom('trial_claims').select('key_hash').where('key_hash', 'in', this.keysOf(account)).limit(1).executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Claims the reader's keys for this subscription where no claim is yet (a claim is never
   * moved), and answers whether another subscription holds one of them. Inside the apply's
   * transaction: the account lock orders two subscriptions of one account, and a key's
   * primary key makes two accounts' inserts of the same email wait on each other.
   */
  async claim(trx: Trx, account: { id: string; email: string | undefined }, subscriptionId: string, now: Date): Promise<{ takenByAnother: boolean }> {
    const keys = this.keysOf(account);
    const mine = this.hash('subscription', subscriptionId);
    for (const key of keys) {
      await trx.insertInto('trial_claims').values({ key_hash: key, subscription_hash: mine, claimed_at: now.toISOString() }).onConflict((oc) => oc.column('key_hash').doNothing()).execute();
    }
    const holders = await trx.selectFrom('trial_claims').select('subscription_hash').where('key_hash', 'in', keys).execute();
    return { takenByAnother: holders.some((h) => h.subscription_hash !== mine) };
  }

  private hash(kind: string, value: string): string {
    return createHmac('sha256', this.secret).update(`trial-claim\n${kind}\n${value}`).digest('base64url');
  }
}
