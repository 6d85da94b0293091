import session from 'express-session';
import type { Logger } from 'pino';
import { StoreUnavailableError } from './store-errors';

type Callback<T = void> = (error?: unknown, value?: T) => void;

/**
 * Wraps a session store so that an outage degrades instead of failing every request: a
 * session that cannot be read is treated as absent (the reader is served as anonymous, by
 * the meter's failure policy), while writes fail with StoreUnavailableError, which the error
 * handler turns into a 503 page (sign-in cannot work without its store).
 */
export class ResilientSessionStore extends session.Store {
  constructor(
    private readonly inner: session.Store,
    private readonly logger: Logger,
  ) {
    super();
  }

  override get(sid: string, callback: Callback<session.SessionData | null>): void {
    this.inner.get(sid, (error, data) => {
      if (error) {
        this.logger.warn({ err: error }, 'session store unreachable; serving the request without its session');
        return callback(null, null);
      }
      callback(null, data ?? null);
    });
  }

  override set(sid: string, data: session.SessionData, callback?: Callback): void {
    this.inner.set(sid, data, (error) => callback?.(error ? new StoreUnavailableError('session store', error) : undefined));
  }

  override destroy(sid: string, callback?: Callback): void {
    this.inner.destroy(sid, (error) => callback?.(error ? new StoreUnavailableError('session store', error) : undefined));
  }

  override touch(sid: string, data: session.SessionData, callback?: Callback): void {
    if (!this.inner.touch) return callback?.();
    // A missed touch only shortens a session's life: never fail a page for it.
    this.inner.touch(sid, data, () => callback?.());
  }
}
