import type Redis from 'ioredis';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type IRateLimiterOptions,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';

export interface ThrottleLimits {
  /** Consecutive failures allowed for one email from one address before it waits. */
  readonly perAccountAndAddress: number;
  /** Failures allowed from one address, whatever the email, per window. */
  readonly perAddress: number;
  readonly windowSeconds: number;
  readonly blockSeconds: number;
}

export const defaultThrottleLimits: ThrottleLimits = {
  perAccountAndAddress: 5,
  perAddress: 50,
  windowSeconds: 60 * 60,
  blockSeconds: 15 * 60,
};

export type ThrottleVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** A counter in Redis (with an in-process stand-in while Redis is down) or in memory. */
export function buildLimiter(redis: Redis | undefined, settings: IRateLimiterOptions): RateLimiterAbstract {
  if (redis === undefined) return new RateLimiterMemory(settings);
  return new RateLimiterRedis({ ...settings, storeClient: redis, insuranceLimiter: new RateLimiterMemory(settings) });
}

/** Consumes one point from each limiter; the verdict says how long to wait when any is spent. */
export async function consumeAll(limiters: readonly [RateLimiterAbstract, string][]): Promise<ThrottleVerdict> {
  const results = await Promise.allSettled(limiters.map(([limiter, key]) => limiter.consume(key)));
  const waits = results.flatMap((r) => (r.status === 'rejected' && r.reason instanceof RateLimiterRes ? [r.reason.msBeforeNext] : []));
  const failure = results.find((r) => r.status === 'rejected' && !(r.reason instanceof RateLimiterRes));
  if (failure) throw (failure as PromiseRejectedResult).reason;
  return waits.length === 0 ? { allowed: true } : { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(Math.max(...waits) / 1000)) };
}

/**
 * Failed sign-ins are counted per (email, address) and per address. Nothing is counted per
 * email alone: a stranger failing on someone's email from elsewhere cannot lock them out.
 */
export class SigninThrottle {
  private readonly byAccountAndAddress: RateLimiterAbstract;
  private readonly byAddress: RateLimiterAbstract;

  constructor(options: { redis?: Redis; keyPrefix: string; limits?: ThrottleLimits }) {
    const limits = options.limits ?? defaultThrottleLimits;
    // While Redis is unreachable the in-process limiter keeps counting on this instance.
    const build = (name: string, points: number): RateLimiterAbstract =>
      buildLimiter(options.redis, { keyPrefix: `${options.keyPrefix}signin:${name}`, points, duration: limits.windowSeconds, blockDuration: limits.blockSeconds });
    this.byAccountAndAddress = build('account-address', limits.perAccountAndAddress);
    this.byAddress = build('address', limits.perAddress);
  }

  async check(email: string, address: string): Promise<ThrottleVerdict> {
    const [pair, addr] = await Promise.all([
      this.byAccountAndAddress.get(`${email}|${address}`),
      this.byAddress.get(address),
    ]);
    const waits = [pair, addr]
      .filter((r): r is RateLimiterRes => r !== null && r.remainingPoints <= 0)
      .map((r) => r.msBeforeNext);
    if (waits.length === 0) return { allowed: true };
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(Math.max(...waits) / 1000)) };
  }

  async recordFailure(email: string, address: string): Promise<void> {
    // consume() rejects once the limit is passed; the block it sets is what we want.
    await Promise.allSettled([
      this.byAccountAndAddress.consume(`${email}|${address}`),
      this.byAddress.consume(address),
    ]);
  }

  async recordSuccess(email: string, address: string): Promise<void> {
    await this.byAccountAndAddress.delete(`${email}|${address}`);
  }
}
