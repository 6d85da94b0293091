import { hashPassword, passwordMaxLength, passwordProblems as problemsIn, verifyAgainstNothing, verifyPassword } from './passwords';
import { buildMessages } from '../http/i18n';

const english = buildMessages('en');
const passwordProblems = (password: string, rules: { minLength: number; email?: string }) => problemsIn(password, rules, english);

const rules = { minLength: 8 };

describe('password rules', () => {
  it('when a password is shorter than the minimum, then it is refused with the minimum named', () => {
    expect(passwordProblems('seven77', rules)).toEqual(['Use at least 8 characters.']);
  });

  it('when the minimum is configured higher, then that minimum applies', () => {
    expect(passwordProblems('tenletters', { minLength: 12 })).toEqual(['Use at least 12 characters.']);
    expect(passwordProblems('twelve letters', { minLength: 12 })).toEqual([]);
  });

  it('when a password has 64 characters or more up to the cap, then it is allowed', () => {
    expect(passwordProblems('river stone '.repeat(6).slice(0, 64), rules)).toEqual([]);
    expect(passwordProblems('x9'.repeat(passwordMaxLength / 2), rules)).toEqual([]);
    expect(passwordProblems('x'.repeat(passwordMaxLength + 1), rules)).toEqual([`Use at most ${passwordMaxLength} characters.`]);
  });

  it('when a password is on the common-passwords list, in any case, then it is refused', () => {
    for (const common of ['password', 'PASSWORD1', '12345678', 'iloveyou', 'qwertyuiop']) {
      expect(passwordProblems(common, rules)).toEqual([expect.stringContaining('most common')]);
    }
  });

  it('when the site is in German, then the problem is said in German', () => {
    expect(problemsIn('seven77', rules, buildMessages('de'))).toEqual(['Verwenden Sie mindestens 8 Zeichen.']);
  });

  it('when a password has no digits, capitals or symbols, then it is still accepted (no composition rules)', () => {
    expect(passwordProblems('lantern harbour tide', rules)).toEqual([]);
    expect(passwordProblems('ÅÄÖåäöéèñ', rules)).toEqual([]);
  });

  it('when length is counted, then it counts characters, not UTF-16 units', () => {
    expect(passwordProblems('🐟🐟🐟🐟🐟🐟🐟', rules)).toEqual(['Use at least 8 characters.']);
  });

  it('when the password is the email or its local part, then it is refused', () => {
    const email = 'harbourmaster@example.com';
    expect(passwordProblems('harbourmaster', { ...rules, email })).toEqual(['Do not use your email address as your password.']);
    expect(passwordProblems(email, { ...rules, email })).toEqual(['Do not use your email address as your password.']);
  });
});

describe('password hashing', () => {
  it('when hashed, then it is argon2id at the OWASP parameters and verifies only the same password', async () => {
    const hash = await hashPassword('lantern harbour tide');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    await expect(verifyPassword(hash, 'lantern harbour tide')).resolves.toBe(true);
    await expect(verifyPassword(hash, 'lantern harbour tidE')).resolves.toBe(false);
  });

  it('when the stored hash is malformed, then verification fails instead of throwing', async () => {
    await expect(verifyPassword('not-a-hash', 'anything')).resolves.toBe(false);
  });

  it('when there is no account, then the dummy check still answers false', async () => {
    await expect(verifyAgainstNothing('whatever')).resolves.toBe(false);
  });
});
