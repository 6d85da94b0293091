import type Redis from 'ioredis';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { buildLimiter, consumeAll, limiterKey, type ThrottleVerdict } from '../signin-throttle';

export interface PasskeyThrottleLimits {
  /** Passkey answers that failed, from one network, per window, before it waits. */
  readonly failuresPerNetwork: number;
  /** Challenges asked for from one network per minute (each is a row until it expires). */
  readonly challengesPerNetworkPerMinute: number;
  readonly windowSeconds: number;
}

export const defaultPasskeyThrottleLimits: PasskeyThrottleLimits = { failuresPerNetwork: 30, challengesPerNetworkPerMinute: 60, windowSeconds: 15 * 60 };

/**
 * Passkey sign-ins per network: a try is taken before the answer is verified (so parallel
 * answers get no more than a sequence) and given back when it was right. A passkey cannot be
 * guessed, but each answer costs a signature check and a database round trip.
 */
export class PasskeyThrottle {
  private readonly failures: RateLimiterAbstract;
  private readonly challenges: RateLimiterAbstract;

  constructor(private readonly options: { redis?: Redis; keyPrefix: string; keySecret: string; limits?: Partial<PasskeyThrottleLimits> }) {
    const limits = { ...defaultPasskeyThrottleLimits, ...options.limits };
    this.failures = buildLimiter(options.redis, { keyPrefix: `${options.keyPrefix}passkey:network`, points: limits.failuresPerNetwork, duration: limits.windowSeconds, blockDuration: limits.windowSeconds });
    this.challenges = buildLimiter(options.redis, { keyPrefix: `${options.keyPrefix}passkey:challenge-network`, points: limits.challengesPerNetworkPerMinute, duration: 60 });
  }

  challenge(network: string): Promise<ThrottleVerdict> {
    return consumeAll([[this.challenges, limiterKey(this.options.keySecret, network)]]);
  }

  async attempt(network: string): Promise<{ allowed: true; succeeded(): Promise<void> } | { allowed: false; retryAfterSeconds: number }> {
    const key = limiterKey(this.options.keySecret, network);
    const verdict = await consumeAll([[this.failures, key]]);
    if (!verdict.allowed) return verdict;
    return { allowed: true, succeeded: async () => void (await this.failures.reward(key, 1)) };
  }
}
