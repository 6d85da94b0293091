import { createHmac } from 'node:crypto';
import type { Clock } from '../../config/clock';
import type { StripeObject } from './stripe-objects';

/**
 * The Stripe-Signature header as Stripe makes it: the time of the attempt and an
 * HMAC-SHA256, keyed with the whole endpoint secret, of `${t}.${body}`.
 */
export function stripeSignature(payload: string, secret: string, timestampSeconds: number): string {
  const v1 = createHmac('sha256', secret).update(`${timestampSeconds}.${payload}`, 'utf8').digest('hex');
  return `t=${timestampSeconds},v1=${v1}`;
}

/** One attempt at one event: the app's status, or why no answer came. */
export interface WebhookAttempt {
  readonly eventId: string;
  readonly type: string;
  readonly attempt: number;
  readonly status?: number;
  readonly error?: string;
  /** When the next attempt is due; undefined when this was the last one. */
  readonly retryInMs?: number;
}

/** Waits after the 1st, 2nd, … failed attempt: 8 attempts over about 20 minutes. */
export const defaultRetryDelaysMs: readonly number[] = [1, 2, 5, 15, 60, 300, 900].map((s) => s * 1000);

export interface WebhookSenderDeps {
  readonly endpoint: URL;
  readonly secret: string;
  readonly clock: Clock;
  readonly retryDelaysMs?: readonly number[];
  /** Told of every attempt (the CLI prints them). */
  readonly onAttempt?: (attempt: WebhookAttempt) => void;
}

/**
 * Sends each event to the app's webhook endpoint as Stripe does: a signed JSON POST, again
 * with backoff while the app answers anything but 2xx or does not answer within 10 s.
 * Events go independently of one another, so, as at Stripe, their order is not promised.
 */
export class WebhookSender {
  readonly attempts: WebhookAttempt[] = [];
  private readonly stopping = new AbortController();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly deps: WebhookSenderDeps) {}

  send(event: StripeObject): void {
    if (this.stopping.signal.aborted) return;
    const delivery = this.deliver(event).finally(() => this.inFlight.delete(delivery));
    this.inFlight.add(delivery);
  }

  /** Resolves once every event sent so far has been delivered or given up on. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** Stops at once: no new attempt, the current ones aborted. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.settled();
  }

  private async deliver(event: StripeObject): Promise<void> {
    const delays = this.deps.retryDelaysMs ?? defaultRetryDelaysMs;
    // Stripe sends its events pretty-printed; the signature covers these exact bytes.
    const body = JSON.stringify(event, null, 2);
    for (let attempt = 1; !this.stopping.signal.aborted; attempt += 1) {
      const outcome = await this.attempt(body);
      const retryInMs = outcome.ok ? undefined : delays[attempt - 1];
      const record = { eventId: String(event.id), type: String(event.type), attempt, ...outcome.report, ...(retryInMs === undefined ? {} : { retryInMs }) };
      if (this.stopping.signal.aborted) return;
      this.attempts.push(record);
      this.deps.onAttempt?.(record);
      if (retryInMs === undefined) return;
      await this.wait(retryInMs);
    }
  }

  private async attempt(body: string): Promise<{ ok: boolean; report: { status?: number; error?: string } }> {
    const signature = stripeSignature(body, this.deps.secret, Math.floor(this.deps.clock() / 1000));
    try {
      const response = await fetch(this.deps.endpoint, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json; charset=utf-8', 'Stripe-Signature': signature, 'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)' },
        body,
        redirect: 'manual',
        signal: AbortSignal.any([this.stopping.signal, AbortSignal.timeout(10_000)]),
      });
      await response.body?.cancel();
      return { ok: response.status >= 200 && response.status < 300, report: { status: response.status } };
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      return { ok: false, report: { error: cause?.code ?? cause?.message ?? (error as Error).message } };
    }
  }

  /** A backoff wait that a stop cuts short. */
  private wait(ms: number): Promise<void> {
    const signal = this.stopping.signal;
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done);
    });
  }
}
