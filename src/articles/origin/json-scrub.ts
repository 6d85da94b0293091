import { matches, type FingerprintSet } from './fingerprints';
import { htmlToText } from './source-dom';

/**
 * Deep-copies a parsed JSON value replacing every string that matches the set (after
 * stripping tags) by ''. For JSON that a CMS serves about its posts (its REST API, an
 * embedded state blob): the structure stays valid for the page's scripts, the text of gated
 * articles does not reach the reader.
 */
export function scrubJson(value: unknown, set: FingerprintSet): unknown {
  if (typeof value === 'string') return matches(htmlToText(value), set) ? '' : value;
  if (Array.isArray(value)) return value.map((item) => scrubJson(item, set));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, scrubJson(item, set)]));
  }
  return value;
}
