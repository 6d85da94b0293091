import { createHmac } from 'node:crypto';
import type Redis from 'ioredis';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type IRateLimiterOptions,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';

export interface ThrottleLimits {
  /** Failed password checks allowed for one email from one network before it waits. */
  readonly perAccountAndAddress: number;
  /** Failed password checks allowed from one network, whatever the email, per window. */
  readonly perAddress: number;
  /** Failed password checks allowed for one email from anywhere, per window (a soft bound on spread-out guessing). */
  readonly perAccount: number;
  readonly windowSeconds: number;
  readonly blockSeconds: number;
  /** Sign-ups allowed from one network per hour. */
  readonly signupsPerAddress: number;
  /** Sign-ups allowed on the whole site per minute: a bound on the password hashing they cost. */
  readonly signupsPerMinute: number;
}

export const defaultThrottleLimits: ThrottleLimits = {
  perAccountAndAddress: 5,
  perAddress: 50,
  perAccount: 20,
  windowSeconds: 60 * 60,
  blockSeconds: 15 * 60,
  signupsPerAddress: 30,
  signupsPerMinute: 60,
};

export type ThrottleVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** A counter in Redis (with an in-process stand-in while Redis is down) or in memory. */
export function buildLimiter(redis: Redis | undefined, settings: IRateLimiterOptions): RateLimiterAbstract {
  if (redis === undefined) return new RateLimiterMemory(settings);
  return new RateLimiterRedis({ ...settings, storeClient: redis, insuranceLimiter: new RateLimiterMemory(settings) });
}

/**
 * Consumes one point from each limiter (each consume is atomic, in Redis and in memory); the
 * verdict says how long to wait when any is spent. A refused request spends nothing: the
 * points it took from the other limiters are given back, so only work that was done counts.
 */
export async function consumeAll(limiters: readonly [RateLimiterAbstract, string][]): Promise<ThrottleVerdict> {
  const results = await Promise.allSettled(limiters.map(([limiter, key]) => limiter.consume(key)));
  const waits = results.flatMap((r) => (r.status === 'rejected' && r.reason instanceof RateLimiterRes ? [r.reason.msBeforeNext] : []));
  const failure = results.find((r) => r.status === 'rejected' && !(r.reason instanceof RateLimiterRes));
  if (failure) throw (failure as PromiseRejectedResult).reason;
  if (waits.length === 0) return { allowed: true };
  await Promise.all(limiters.flatMap(([limiter, key], i) => (results[i]!.status === 'fulfilled' ? [limiter.reward(key, 1)] : [])));
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(Math.max(...waits) / 1000)) };
}

/**
 * A limiter key that names no reader: a keyed hash (HMAC with the session secret) of the
 * parts, so that neither an email nor an address is ever written into a Redis key.
 */
export function limiterKey(secret: string, ...parts: string[]): string {
  return createHmac('sha256', secret).update(parts.join('\n')).digest('base64url').slice(0, 32);
}

/** A password check that may go ahead; `succeeded` gives back what a correct password took. */
export type PasswordAttempt = { allowed: true; succeeded(): Promise<void> } | { allowed: false; retryAfterSeconds: number };

/**
 * Password checks (sign-in and every re-check on /account) and sign-ups. A check takes its
 * points before the password is verified, so a burst of parallel guesses gets no more tries
 * than a sequence; a correct password gives them back.
 *
 * Checks are counted per (email, network), per email from anywhere, and per network. The
 * per-network and per-email bounds can hold back a reader who did nothing wrong (everyone
 * behind one office or carrier NAT; one email guessed at from many networks). They stay,
 * because without them one address could try one password on every email it knows, and
 * telling the owner apart from a guesser is exactly what the password cannot do here. The
 * way past them is the emailed sign-in link (SPEC section 6), which no password failure
 * touches: the throttled page offers it, so nobody else's failures keep the owner out.
 */
export class SigninThrottle {
  private readonly byAccountAndAddress: RateLimiterAbstract;
  private readonly byAccount: RateLimiterAbstract;
  private readonly byAddress: RateLimiterAbstract;
  private readonly signupsByAddress: RateLimiterAbstract;
  private readonly signups: RateLimiterAbstract;
  private readonly rechecksByAccountAndNetwork: RateLimiterAbstract;
  private readonly rechecksByAccount: RateLimiterAbstract;
  private readonly secret: string;

  constructor(options: { redis?: Redis; keyPrefix: string; keySecret: string; limits?: Partial<ThrottleLimits> }) {
    const limits = { ...defaultThrottleLimits, ...options.limits };
    this.secret = options.keySecret;
    // While Redis is unreachable the in-process limiter keeps counting on this instance.
    const build = (name: string, points: number, duration = limits.windowSeconds, blockDuration = limits.blockSeconds): RateLimiterAbstract =>
      buildLimiter(options.redis, { keyPrefix: `${options.keyPrefix}signin:${name}`, points, duration, blockDuration });
    this.byAccountAndAddress = build('account-address', limits.perAccountAndAddress);
    this.byAccount = build('account', limits.perAccount);
    this.byAddress = build('address', limits.perAddress);
    this.signupsByAddress = build('signup-address', limits.signupsPerAddress, 60 * 60, 0);
    this.signups = build('signup', limits.signupsPerMinute, 60, 0);
    // Re-checks are keyed by the account, not its email: sign-in failures for the email from
    // elsewhere must not keep the signed-in owner from changing their password or leaving.
    this.rechecksByAccountAndNetwork = build('recheck-account-network', limits.perAccountAndAddress);
    this.rechecksByAccount = build('recheck-account', limits.perAccount);
  }

  /** Takes one try for a password check of `email` from `network` (see networkOf). */
  async attempt(email: string, network: string): Promise<PasswordAttempt> {
    const pairKey = limiterKey(this.secret, email, network);
    const wider: [RateLimiterAbstract, string][] = [
      [this.byAccount, limiterKey(this.secret, email)],
      [this.byAddress, limiterKey(this.secret, network)],
    ];
    const verdict = await consumeAll([[this.byAccountAndAddress, pairKey], ...wider]);
    if (!verdict.allowed) return verdict;
    return {
      allowed: true,
      succeeded: async () => {
        // The pair counts consecutive failures, so it starts again; the wider counters only
        // give back this one try, not the failures of others.
        await Promise.all([this.byAccountAndAddress.delete(pairKey), ...wider.map(([limiter, key]) => limiter.reward(key, 1))]);
      },
    };
  }

  /**
   * Takes one try for a password re-check by the signed-in session of `accountId` (account
   * changes, deletion), in counters of its own, taken before the check and given back when
   * the password was right.
   */
  async recheck(accountId: string, network: string): Promise<PasswordAttempt> {
    const limiters: [RateLimiterAbstract, string][] = [
      [this.rechecksByAccountAndNetwork, limiterKey(this.secret, accountId, network)],
      [this.rechecksByAccount, limiterKey(this.secret, accountId)],
    ];
    const verdict = await consumeAll(limiters);
    if (!verdict.allowed) return verdict;
    return { allowed: true, succeeded: async () => void (await Promise.all(limiters.map(([limiter, key]) => limiter.reward(key, 1)))) };
  }

  /** Takes one sign-up from `network` and from the site's bound. */
  signup(network: string): Promise<ThrottleVerdict> {
    return consumeAll([
      [this.signupsByAddress, limiterKey(this.secret, network)],
      [this.signups, 'all'],
    ]);
  }
}
