import argon2 from 'argon2';
import { dictionary } from '@zxcvbn-ts/language-common';
import type { Messages } from '../http/i18n';

/** NIST SP 800-63B asks for at least 64 allowed; the cap only bounds hashing work. */
export const passwordMaxLength = 256;

// zxcvbn-ts's maintained list of ~49,000 passwords seen most often in breaches.
const commonPasswords: ReadonlySet<string> = new Set(
  (dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase()),
);

/**
 * Problems with a new password, in words a reader can act on; empty when it is acceptable.
 * Length is counted in Unicode code points and there are no composition rules (NIST 800-63B).
 */
export function passwordProblems(password: string, rules: { minLength: number; email?: string }, messages: Messages): string[] {
  const length = [...password].length;
  if (length < rules.minLength) return [messages.t('password.tooShort', { min: rules.minLength })];
  if (length > passwordMaxLength) return [messages.t('password.tooLong', { max: passwordMaxLength })];
  const lowered = password.toLowerCase();
  if (commonPasswords.has(lowered)) return [messages.t('password.common')];
  if (rules.email !== undefined && (lowered === rules.email || lowered === rules.email.split('@')[0])) {
    return [messages.t('password.isEmail')];
  }
  return [];
}

/** argon2id at OWASP's recommended minimum: 19 MiB memory, 2 iterations, 1 lane. */
const argon2Options = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, argon2Options);
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  // An account without a password (made through an emailed link) matches nothing, after the
  // same work as a real check, so that timing does not tell such accounts apart.
  if (hash === '') return verifyAgainstNothing(password);
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/** Spends the same time as a real check, so an unknown email cannot be told apart by timing. */
export async function verifyAgainstNothing(password: string): Promise<false> {
  dummyHash ??= hashPassword('gatehouse-timing-equaliser');
  await verifyPassword(await dummyHash, password);
  return false;
}
