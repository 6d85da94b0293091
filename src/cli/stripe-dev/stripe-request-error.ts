/** A request Stripe would refuse, in Stripe's terms (the API answers it as its error envelope). */
export class StripeRequestError extends Error {
  constructor(readonly status: number, readonly type: string, message: string, readonly code?: string) {
    super(message);
  }
}

/** Stripe's answer for an id it does not have. */
export const missing = (what: string, id: string) => new StripeRequestError(404, 'invalid_request_error', `No such ${what}: '${id}'`, 'resource_missing');

/** An http(s) URL: nothing else may be a page the reader is sent to. */
export function isWebUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
