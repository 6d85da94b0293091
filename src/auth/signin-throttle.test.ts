import { openRedis } from '../store/redis';
import { SigninThrottle, limiterKey } from './signin-throttle';

describe('the password-check throttle', () => {
  it('when Redis cannot be reached, then the in-process stand-in still lets only 5 of 20 parallel tries through', async () => {
    // Nothing listens on port 1: every command fails at once (no offline queue).
    const redis = openRedis('redis://127.0.0.1:1');
    try {
      const throttle = new SigninThrottle({ redis, keyPrefix: 'unreachable:', keySecret: 'secret' });
      const verdicts = await Promise.all(Array.from({ length: 20 }, () => throttle.attempt('reader@example.com', '203.0.113.9')));
      expect(verdicts.filter((v) => v.allowed)).toHaveLength(5);
      for (const refused of verdicts.filter((v) => !v.allowed)) expect(refused.allowed === false && refused.retryAfterSeconds).toBeGreaterThan(0);
    } finally {
      redis.disconnect();
    }
  });

  it('when the right password is given, then that try is given back and the email starts afresh from that network', async () => {
    const throttle = new SigninThrottle({ keyPrefix: 'memory:', keySecret: 'secret', limits: { perAccountAndAddress: 2 } });
    for (let round = 0; round < 3; round += 1) {
      expect((await throttle.attempt('reader@example.com', '203.0.113.9')).allowed).toBe(true);
      const right = await throttle.attempt('reader@example.com', '203.0.113.9');
      if (!right.allowed) throw new Error('the second try was refused');
      await right.succeeded();
    }
  });

  it('when keys are made, then they name neither the email nor the network, and differ per secret', () => {
    const key = limiterKey('secret', 'reader@example.com', '203.0.113.9');
    expect(key).not.toContain('reader');
    expect(key).not.toContain('203.0.113');
    expect(key).not.toBe(limiterKey('other secret', 'reader@example.com', '203.0.113.9'));
    expect(key).toBe(limiterKey('secret', 'reader@example.com', '203.0.113.9'));
  });
});
