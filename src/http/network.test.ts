import { networkOf } from './network';

describe('networkOf', () => {
  it('when the address is IPv4, then it is its own network', () => {
    expect(networkOf('203.0.113.7')).toBe('203.0.113.7');
  });
  it('when IPv6 addresses share their first 64 bits, then they are one network', () => {
    expect(networkOf('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(networkOf('2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(networkOf('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
  });
  it('when an IPv4 address comes mapped into IPv6, then it is the IPv4 address', () => {
    expect(networkOf('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });
  it('when the address cannot be parsed, then it stands for itself', () => {
    expect(networkOf('unknown')).toBe('unknown');
  });
});
