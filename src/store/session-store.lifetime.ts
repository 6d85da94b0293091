import session from 'express-session';
import type { Clock } from '../config/clock';

type Callback<T = void> = (error?: unknown, value?: T) => void;

declare module 'express-session' {
  interface SessionData {
    /** When the session was first stored (sessions that never signed in). */
    createdAt?: number;
  }
}

/** When a session must end whatever its activity: its sign-in (or creation) plus the absolute lifetime. */
export function absoluteEndOf(data: session.SessionData, absoluteMaxAgeMs: number): number | undefined {
  const anchor = data.authAt ?? data.createdAt;
  return anchor === undefined ? undefined : anchor + absoluteMaxAgeMs;
}

/**
 * An absolute session lifetime (ASVS 7.3.2) over any store: a session ends
 * `absoluteMaxAgeMs` after its sign-in however active it is, so a stolen cookie does not
 * last for ever. The stored expiry is clamped to that end (both stores derive theirs from
 * the cookie's), and a session read past it is destroyed and treated as absent.
 */
export class LifetimeSessionStore extends session.Store {
  constructor(
    private readonly inner: session.Store,
    private readonly options: { absoluteMaxAgeMs: number; clock: Clock },
  ) {
    super();
  }

  private clamped(data: session.SessionData): session.SessionData {
    const stamped: session.SessionData = data.createdAt === undefined ? { ...data, createdAt: this.options.clock() } : data;
    const end = absoluteEndOf(stamped, this.options.absoluteMaxAgeMs)!;
    const cookie = (typeof (data.cookie as { toJSON?: unknown }).toJSON === 'function' ? (data.cookie as unknown as { toJSON(): object }).toJSON() : data.cookie) as session.Cookie;
    const expires = cookie.expires ? new Date(cookie.expires).getTime() : Infinity;
    if (expires <= end && stamped === data) return data;
    return { ...stamped, cookie: { ...cookie, expires: new Date(Math.min(expires, end)) } as session.Cookie };
  }

  override get(sid: string, callback: Callback<session.SessionData | null>): void {
    this.inner.get(sid, (error, data) => {
      if (error || !data) return callback(error, data ?? null);
      const end = absoluteEndOf(data, this.options.absoluteMaxAgeMs);
      if (end !== undefined && end <= this.options.clock()) {
        this.inner.destroy(sid, () => callback(null, null));
        return;
      }
      callback(null, data);
    });
  }

  override set(sid: string, data: session.SessionData, callback?: Callback): void {
    this.inner.set(sid, this.clamped(data), callback);
  }

  override destroy(sid: string, callback?: Callback): void {
    this.inner.destroy(sid, callback);
  }

  override touch(sid: string, data: session.SessionData, callback?: Callback): void {
    if (!this.inner.touch) return callback?.();
    this.inner.touch(sid, this.clamped(data), callback);
  }
}
