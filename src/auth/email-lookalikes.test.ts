import { emailSchema } from './email';

describe('emailSchema and look-alike characters', () => {
  it('when an address is printable ASCII, then it is trimmed and lower-cased as before', () => {
    expect(emailSchema.parse('  Kelvin@Example.COM ')).toBe('kelvin@example.com');
  });

  it('when an address holds a character that lower-cases to ASCII (the Kelvin sign, U+212A), then it is refused, not turned into another address', () => {
    const kelvinSign = '\u212Aelvin@example.com';
    expect(kelvinSign.toLowerCase()).toBe('kelvin@example.com');
    const parsed = emailSchema.safeParse(kelvinSign);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.message)).toEqual(['Enter a valid email address, like name@example.com.']);
  });

  it('when an address holds any other character outside printable ASCII, then it is refused', () => {
    for (const address of ['jos\u00e9@example.com', 'a@exam\u0131ple.com', 'a\u0000@example.com', 'a@example.com\u200b', '\u0130nfo@example.com']) {
      expect(emailSchema.safeParse(address).success).toBe(false);
    }
  });
});
