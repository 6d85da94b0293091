import { addressKey, parseRange, rangeKey } from './ip-range';

const ok = (text: string) => {
  const range = parseRange(text);
  if ('error' in range) throw new Error(`${text}: ${range.error}`);
  return range;
};
const error = (text: string) => {
  const range = parseRange(text);
  return 'error' in range ? range.error : undefined;
};

describe('parseRange: ranges as the publisher writes them, parsed with ipaddr.js', () => {
  it('when a range is IPv4 or IPv6 with its network address, then it is kept in canonical form', () => {
    expect(ok('203.0.113.0/24')).toMatchObject({ family: 'ipv4', network: 0xcb007100, bits: 24, cidr: '203.0.113.0/24' });
    expect(ok(' 2001:0db8:0000::/48 ')).toMatchObject({ family: 'ipv6', network: '0010000000000001' + '0000110110111000' + '0'.repeat(16), bits: 48, cidr: '2001:db8::/48' });
    expect(ok('198.51.100.7/32').cidr).toBe('198.51.100.7/32');
    expect(ok('2001:db8::1/128').cidr).toBe('2001:db8::1/128');
    expect(ok('10.0.0.0/8').bits).toBe(8);
    expect(ok('2001::/16').bits).toBe(16);
  });

  it('when host bits are set, then it is refused with the network it probably meant', () => {
    expect(error('203.0.113.5/24')).toBe('has host bits set: did you mean 203.0.113.0/24?');
    expect(error('2001:db8::1/48')).toBe('has host bits set: did you mean 2001:db8::/48?');
  });

  it('when a range is broader than /8 (IPv4) or /16 (IPv6), then it is refused as a likely mistake', () => {
    for (const text of ['0.0.0.0/0', '10.0.0.0/7', '128.0.0.0/1']) expect(error(text)).toMatch(/too broad/);
    for (const text of ['::/0', '2000::/15', '2000::/3']) expect(error(text)).toMatch(/too broad/);
  });

  it('when a range is not strictly written, then it is refused rather than guessed at', () => {
    for (const text of ['203.0.113.0', '203.0.113/24', '0xcb.0.113.0/24', '203.0.113.0/33', '2001:db8::/129', '203.0.113.0/24/1', 'fe80::%eth0/64', 'library', '', '203.0.113.0/-1', '203.0.113.0/ 24', '203.0.113.0/0x18'])
      expect(error(text)).toBeDefined();
  });

  it('when an IPv6 range is IPv4-mapped, then it is refused: write it as IPv4', () => {
    expect(error('::ffff:203.0.113.0/120')).toMatch(/IPv4-mapped/);
  });
});

describe('addressKey: readers\' addresses', () => {
  const bitsOf = (hex: string) => [...hex].map((c) => parseInt(c, 16).toString(2).padStart(4, '0')).join('');

  it('when an address is IPv4, IPv6 or IPv4-mapped IPv6, then its key (mapped as IPv4)', () => {
    expect(addressKey('203.0.113.7')).toEqual({ family: 'ipv4', value: 0xcb007107 });
    expect(addressKey('::ffff:203.0.113.7')).toEqual({ family: 'ipv4', value: 0xcb007107 });
    expect(addressKey('::FFFF:cb00:7107')).toEqual({ family: 'ipv4', value: 0xcb007107 });
    expect(addressKey('0:0:0:0:0:ffff:203.0.113.7')).toEqual({ family: 'ipv4', value: 0xcb007107 });
    expect(addressKey('2001:db8::1')).toEqual({ family: 'ipv6', value: bitsOf('20010db8000000000000000000000001') });
  });

  it('when IPv6 is written in any of its forms, then every form gives the same 128 bits', () => {
    const cases: Record<string, string> = {
      '::': '0'.repeat(32),
      '::1': `${'0'.repeat(31)}1`,
      '1::8': `0001${'0'.repeat(24)}0008`,
      '1:2:3:4:5:6:7:8': '00010002000300040005000600070008',
      '1:2:3:4:5:6::': '00010002000300040005000600000000',
      '::2:3:4:5:6:7:8': '00000002000300040005000600070008',
      '64:ff9b::1.2.3.4': '0064ff9b000000000000000001020304',
      'fe80::1%eth0': `fe80${'0'.repeat(27)}1`,
      '2001:DB8::ABCD': `20010db8${'0'.repeat(20)}abcd`,
    };
    for (const [address, hex] of Object.entries(cases)) expect([address, addressKey(address)]).toEqual([address, { family: 'ipv6', value: bitsOf(hex) }]);
  });

  it('when an address is not strictly an address, then none', () => {
    for (const text of ['unknown', '127.1', '0x7f.0.0.1', '203.0.113.7/32', '', '1:2:3:4:5:6:7:8:9', '203.0.113.256']) expect(addressKey(text)).toBeUndefined();
  });

  it('when a stored range is read back, then its key is the network\'s prefix; anything else is none', () => {
    expect(rangeKey('203.0.113.0/24')).toEqual({ family: 'ipv4', network: 0xcb007100, bits: 24 });
    expect(rangeKey('2001:db8::/32')).toEqual({ family: 'ipv6', network: bitsOf('20010db8'), bits: 32 });
    for (const text of ['203.0.113.0', '203.0.113.0/33', 'nonsense/8', '2001:db8::/129']) expect(rangeKey(text)).toBeUndefined();
  });
});
