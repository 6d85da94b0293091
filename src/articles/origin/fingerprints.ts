/**
 * Fingerprints of article text: how Gatehouse recognises the rest of a gated article when it
 * turns up somewhere it did not put it (a print copy, a JSON state blob, a listing's excerpt,
 * another page of the CMS). A fingerprint is a hash of six consecutive normalised words, so a
 * copy matches whatever its markup, entity encoding, case or punctuation, and a single
 * sentence is enough to recognise a paragraph.
 */

/** Words per fingerprint: long enough not to match common phrases, short enough for one sentence. */
const runLength = 6;
/** A paragraph shorter than a run is fingerprinted whole, but only from this many words up. */
const shortestWhole = 3;

/** Normalise text: NFKC, lower-case, every run of non-letter/digit characters -> one space, trimmed. */
export function normaliseText(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

/** The normalised words of a text. */
export function wordsOf(text: string): string[] {
  const normalised = normaliseText(text);
  return normalised === '' ? [] : normalised.split(' ');
}

/** Every run of `length` consecutive words, joined by one space. */
export function wordRuns(words: readonly string[], length: number): string[] {
  const runs: string[] = [];
  for (let i = 0; i + length <= words.length; i += 1) runs.push(words.slice(i, i + length).join(' '));
  return runs;
}

/** One word as two independently seeded 32-bit hashes (multiply-xorshift lanes). */
function wordHash(word: string, seed: number): number {
  let h = seed;
  for (let i = 0; i < word.length; i += 1) h = Math.imul(h ^ word.charCodeAt(i), 2654435761);
  return Math.imul(h ^ (h >>> 15), 2246822507);
}

/**
 * A 64-bit hash of a run of words as 16 hex digits, folded from per-word hashes: each word is
 * hashed once however many runs it is in, which keeps fingerprinting a long article cheap
 * enough for every cache fill; 64 bits keep unrelated text from colliding.
 */
function runHash(lane1: readonly number[], lane2: readonly number[], start: number, length: number): string {
  let h1 = 0x9e3779b9;
  let h2 = 0x7f4a7c15;
  for (let i = start; i < start + length; i += 1) {
    h1 = Math.imul(h1 ^ lane1[i]!, 3266489909);
    h1 = (h1 << 13) | (h1 >>> 19);
    h2 = Math.imul(h2 ^ lane2[i]!, 668265263);
    h2 = (h2 << 17) | (h2 >>> 15);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ h2;
  h2 = Math.imul(h2 ^ (h2 >>> 13), 3266489909) ^ h1;
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}

/** The fingerprints of one text, possibly with repeats. */
function fingerprintsOfText(text: string): string[] {
  const words = wordsOf(text);
  if (words.length < shortestWhole) return [];
  const lane1 = words.map((w) => wordHash(w, 0xdeadbeef));
  const lane2 = words.map((w) => wordHash(w, 0x41c6ce57));
  if (words.length < runLength) return [runHash(lane1, lane2, 0, words.length)];
  const fps: string[] = [];
  for (let i = 0; i + runLength <= words.length; i += 1) fps.push(runHash(lane1, lane2, i, runLength));
  return fps;
}

/**
 * Fingerprints of paragraphs: hashes of every run of 6 consecutive normalised words; a
 * paragraph of fewer than 6 words gives one fingerprint of the whole (when it has >= 3 words;
 * shorter paragraphs give none). Deduplicated.
 */
export function fingerprintsOf(paragraphTexts: readonly string[]): string[] {
  const all = new Set<string>();
  for (const text of paragraphTexts) for (const fp of fingerprintsOfText(text)) all.add(fp);
  return [...all];
}

/** A set of fingerprints; `version` changes whenever its contents do, so renders can memoise on it. */
export interface FingerprintSet {
  has(fingerprint: string): boolean;
  readonly version: number;
}

/** True when any fingerprint of `text` is in the set. */
export function matches(text: string, set: FingerprintSet): boolean {
  return fingerprintsOfText(text).some((fp) => set.has(fp));
}

/** A fixed set, e.g. the rest of one article while its page is cut. */
export function fingerprintSetOf(fingerprints: Iterable<string>): FingerprintSet {
  const all = new Set(fingerprints);
  return { has: (fp) => all.has(fp), version: 0 };
}

/**
 * The fingerprints of every gated article an instance knows, by owner (the article's
 * identity), so that an article re-fetched or made free replaces or drops its own share
 * without disturbing another article that shares a sentence with it.
 */
export class MutableFingerprintSet implements FingerprintSet {
  readonly #byOwner = new Map<string, ReadonlySet<string>>();
  readonly #owners = new Map<string, number>();
  #version = 0;

  get version(): number {
    return this.#version;
  }

  has(fingerprint: string): boolean {
    return this.#owners.has(fingerprint);
  }

  /** Sets `owner`'s fingerprints; the version moves only when they changed. */
  add(owner: string, fps: readonly string[]): void {
    const next = new Set(fps);
    const previous = this.#byOwner.get(owner);
    if (previous !== undefined && previous.size === next.size && [...next].every((fp) => previous.has(fp))) return;
    this.#drop(owner);
    this.#byOwner.set(owner, next);
    for (const fp of next) this.#owners.set(fp, (this.#owners.get(fp) ?? 0) + 1);
    this.#version += 1;
  }

  remove(owner: string): void {
    if (this.#drop(owner)) this.#version += 1;
  }

  #drop(owner: string): boolean {
    const previous = this.#byOwner.get(owner);
    if (previous === undefined) return false;
    this.#byOwner.delete(owner);
    for (const fp of previous) {
      const count = (this.#owners.get(fp) ?? 1) - 1;
      if (count === 0) this.#owners.delete(fp);
      else this.#owners.set(fp, count);
    }
    return true;
  }
}
