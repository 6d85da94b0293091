import { createHash } from 'node:crypto';

/**
 * A short, stable id for an article in the meter (8 base64url characters, 48 bits): it
 * keeps a reader's Redis entry small whatever the slug's length. A collision within one
 * reader's handful of articles would at worst grant one re-read.
 */
export function meterArticleId(slug: string): string {
  return createHash('sha256').update(slug).digest('base64url').slice(0, 8);
}
