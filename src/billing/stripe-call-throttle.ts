import type Redis from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { AppError } from '../http/app-error';
import type { Messages } from '../http/i18n';

export interface StripeCallLimits {
  readonly points: number;
  readonly windowSeconds: number;
}

export const defaultStripeCallLimits: StripeCallLimits = { points: 10, windowSeconds: 10 * 60 };

/**
 * Every request that makes Gatehouse call Stripe (Checkout, its return page, the billing
 * portal) spends one point of its account's budget: one reader cannot run up Stripe's
 * rate limit (shared by the whole site) or fill the Stripe account with sessions.
 */
export class StripeCallThrottle {
  private readonly limiter: RateLimiterAbstract;
  private readonly messages: Messages;

  constructor(options: { redis: Redis | undefined; keyPrefix: string; messages: Messages; limits?: StripeCallLimits }) {
    this.messages = options.messages;
    const limits = options.limits ?? defaultStripeCallLimits;
    const settings = { keyPrefix: `${options.keyPrefix}stripe-calls`, points: limits.points, duration: limits.windowSeconds };
    // In Redis, with an in-process stand-in while Redis is down; in memory without Redis.
    this.limiter =
      options.redis === undefined
        ? new RateLimiterMemory(settings)
        : new RateLimiterRedis({ ...settings, storeClient: options.redis, insuranceLimiter: new RateLimiterMemory(settings) });
  }

  /** Spends one point of the account's budget, or answers 429 with Retry-After when it is spent. */
  async spend(accountId: string): Promise<void> {
    const refusal = await this.limiter.consume(accountId).then(
      () => undefined,
      (error: unknown) => {
        if (error instanceof RateLimiterRes) return error;
        throw error;
      },
    );
    if (refusal === undefined) return;
    const retryAfterSeconds = Math.max(1, Math.ceil(refusal.msBeforeNext / 1000));
    throw new AppError(429, this.messages.t('billing.throttled', { wait: this.messages.wait(retryAfterSeconds) }), { 'Retry-After': String(retryAfterSeconds) });
  }
}
