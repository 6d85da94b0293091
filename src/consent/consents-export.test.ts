import { csvField } from './consents-export';

describe('csvField', () => {
  it('when a value is plain, then it is written as is', () => {
    expect(csvField('terms')).toBe('terms');
    expect(csvField(42)).toBe('42');
  });
  it('when a value has commas, quotes or line breaks, then it is quoted with quotes doubled', () => {
    expect(csvField('By continuing, you agree')).toBe('"By continuing, you agree"');
    expect(csvField('say "yes"')).toBe('"say ""yes"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
  });
  it('when a value could start a spreadsheet formula, then it is defused', () => {
    expect(csvField('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('@cmd')).toBe("'@cmd");
  });
});
