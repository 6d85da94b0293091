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
  // NFKC leaves ASCII as it is: most text is ASCII, and the test is far cheaper than normalising.
  const composed = nonAscii.test(text) ? text.normalize('NFKC') : text;
  return composed.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

const nonAscii = /[^\x00-\x7f]/;

/** The normalised words of a text. */
export function wordsOf(text: string): string[] {
  const normalised = normaliseText(text);
  return normalised === '' ? [] : normalised.split(' ');
}

const seed1 = 0xdeadbeef;
const seed2 = 0x41c6ce57;

/** One word as two independently seeded 32-bit hashes (multiply-xorshift lanes). */
function wordHash(word: string, seed: number): number {
  let h = seed;
  for (let i = 0; i < word.length; i += 1) h = Math.imul(h ^ word.charCodeAt(i), 2654435761);
  return Math.imul(h ^ (h >>> 15), 2246822507);
}

/**
 * The per-word hashes of the text being fingerprinted, in both lanes: buffers reused from one
 * text to the next, since a page's scrub fingerprints thousands of short texts.
 */
let lane1 = new Int32Array(64);
let lane2 = new Int32Array(64);

function setWordHashes(index: number, h1: number, h2: number): void {
  if (index === lane1.length) {
    const grown1 = new Int32Array(index * 2);
    const grown2 = new Int32Array(index * 2);
    grown1.set(lane1);
    grown2.set(lane2);
    lane1 = grown1;
    lane2 = grown2;
  }
  lane1[index] = h1;
  lane2[index] = h2;
}

/**
 * Hashes the words of `text` (as `wordsOf` splits them) into the lanes; returns how many there
 * are. ASCII text, by far the most common, is normalised and hashed in one scan with no
 * strings made (for ASCII, NFKC changes nothing, lower-casing is A-Z and the letters and
 * digits are a-z0-9); any other text goes through `wordsOf`.
 */
function hashWords(text: string): number {
  let count = 0;
  let h1 = seed1;
  let h2 = seed2;
  let inWord = false;
  for (let i = 0; i < text.length; i += 1) {
    let c = text.charCodeAt(i);
    if (c > 0x7f) return hashWordList(wordsOf(text));
    if (c >= 65 && c <= 90) c += 32;
    if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57)) {
      h1 = Math.imul(h1 ^ c, 2654435761);
      h2 = Math.imul(h2 ^ c, 2654435761);
      inWord = true;
    } else if (inWord) {
      setWordHashes(count, Math.imul(h1 ^ (h1 >>> 15), 2246822507), Math.imul(h2 ^ (h2 >>> 15), 2246822507));
      count += 1;
      h1 = seed1;
      h2 = seed2;
      inWord = false;
    }
  }
  if (inWord) {
    setWordHashes(count, Math.imul(h1 ^ (h1 >>> 15), 2246822507), Math.imul(h2 ^ (h2 >>> 15), 2246822507));
    count += 1;
  }
  return count;
}

function hashWordList(words: readonly string[]): number {
  words.forEach((word, i) => setWordHashes(i, wordHash(word, seed1), wordHash(word, seed2)));
  return words.length;
}

/** Two hex digits per byte value: writing a fingerprint is eight look-ups, not two number-to-string conversions. */
const hexByte = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

function hex32(h: number): string {
  return hexByte[h >>> 24]! + hexByte[(h >>> 16) & 0xff]! + hexByte[(h >>> 8) & 0xff]! + hexByte[h & 0xff]!;
}

/**
 * A 64-bit hash of a run of words as 16 hex digits, folded from per-word hashes: each word is
 * hashed once however many runs it is in, which keeps fingerprinting a long article cheap
 * enough for every cache fill; 64 bits keep unrelated text from colliding.
 */
function runHash(start: number, length: number): string {
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
  return hex32(h1 >>> 0) + hex32(h2 >>> 0);
}

/**
 * Calls `each` with every fingerprint of a text, possibly with repeats, until it returns true
 * (then returns true): a match is known at its first fingerprint. `each` must not fingerprint
 * (the lanes are shared).
 */
function someFingerprint(text: string, each: (fingerprint: string) => boolean): boolean {
  const count = hashWords(text);
  if (count < shortestWhole) return false;
  if (count < runLength) return each(runHash(0, count));
  for (let i = 0; i + runLength <= count; i += 1) if (each(runHash(i, runLength))) return true;
  return false;
}

/**
 * Fingerprints of paragraphs: hashes of every run of 6 consecutive normalised words; a
 * paragraph of fewer than 6 words gives one fingerprint of the whole (when it has >= 3 words;
 * shorter paragraphs give none). Deduplicated.
 */
export function fingerprintsOf(paragraphTexts: readonly string[]): string[] {
  const all = new Set<string>();
  const add = (fp: string): boolean => {
    all.add(fp);
    return false;
  };
  for (const text of paragraphTexts) someFingerprint(text, add);
  return [...all];
}

/**
 * Hashes of every run of `length` consecutive words of the texts (the same normalisation and
 * hash as fingerprints): for matching short phrases without making a string of each.
 */
export function phraseHashesOf(texts: readonly string[], length: number): Set<string> {
  const all = new Set<string>();
  for (const text of texts) {
    const count = hashWords(text);
    for (let i = 0; i + length <= count; i += 1) all.add(runHash(i, length));
  }
  return all;
}

/** True when a run of `length` words of `text` is in `phrases` (made by `phraseHashesOf` with the same length). */
export function hasPhrase(text: string, length: number, phrases: ReadonlySet<string>): boolean {
  if (phrases.size === 0) return false;
  const count = hashWords(text);
  for (let i = 0; i + length <= count; i += 1) if (phrases.has(runHash(i, length))) return true;
  return false;
}

/** A set of fingerprints; `version` changes whenever its contents do, so renders can memoise on it. */
export interface FingerprintSet {
  has(fingerprint: string): boolean;
  readonly version: number;
}

/** True when any fingerprint of `text` is in the set. */
export function matches(text: string, set: FingerprintSet): boolean {
  return someFingerprint(text, (fp) => set.has(fp));
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
