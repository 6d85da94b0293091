/** A store (Redis, the database) could not be reached; the request may succeed later. */
export class StoreUnavailableError extends Error {
  constructor(what: string, cause: unknown) {
    super(`${what} unavailable`, { cause });
    this.name = 'StoreUnavailableError';
  }
}

const connectionCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', '57P01', '57P02', '57P03', '08000', '08003', '08006']);

/** True for errors that mean "the store is down", as opposed to a bug or bad input. */
export function isStoreOutage(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { name?: unknown; code?: unknown; message?: unknown; cause?: unknown };
  if (error instanceof StoreUnavailableError || e.name === 'MaxRetriesPerRequestError') return true;
  if (typeof e.code === 'string' && connectionCodes.has(e.code)) return true;
  if (typeof e.message === 'string' && /enableOfflineQueue|Connection is closed|Command timed out|Connection terminated|timeout exceeded when trying to connect|not queryable|terminating connection/i.test(e.message)) return true;
  return e.cause !== undefined && e.cause !== error && isStoreOutage(e.cause);
}
