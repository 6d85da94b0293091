import { performance } from 'node:perf_hooks';
import { InstitutionDirectory } from './institution-directory';
import type { Institution } from './institutions';

const city: Institution = { id: 'city-library', name: 'City Library', ipRanges: ['203.0.113.0/24', '2001:db8::/48'], emailDomains: ['library.example'] };
const campus: Institution = { id: 'campus', name: 'Campus', ipRanges: ['203.0.113.128/25', '10.0.0.0/8', '2001:db8:0:8000::/49'], emailDomains: ['uni.example', 'staff.library.example'] };
const directory = new InstitutionDirectory([city, campus]);
const idAt = (address: string) => directory.byAddress(address)?.id;
const idOf = (email: string) => directory.byEmail(email)?.id;

describe('InstitutionDirectory.byAddress', () => {
  it('when an IPv4 address is inside a range, then its institution; at both ends of the range too', () => {
    expect(idAt('203.0.113.0')).toBe('city-library');
    expect(idAt('203.0.113.127')).toBe('city-library');
    expect(idAt('10.0.0.0')).toBe('campus');
    expect(idAt('10.255.255.255')).toBe('campus');
  });

  it('when an IPv4 address is just outside a range, then none', () => {
    expect(idAt('203.0.112.255')).toBeUndefined();
    expect(idAt('203.0.114.0')).toBeUndefined();
    expect(idAt('9.255.255.255')).toBeUndefined();
    expect(idAt('11.0.0.0')).toBeUndefined();
  });

  it('when ranges nest, then the most specific one answers', () => {
    expect(idAt('203.0.113.128')).toBe('campus');
    expect(idAt('203.0.113.255')).toBe('campus');
    expect(idAt('2001:db8:0:8000::1')).toBe('campus');
    expect(idAt('2001:db8:0:7fff:ffff:ffff:ffff:ffff')).toBe('city-library');
  });

  it('when an IPv6 address is inside or outside a range, then its institution or none, at the boundaries', () => {
    expect(idAt('2001:db8::')).toBe('city-library');
    expect(idAt('2001:db8:0:ffff:ffff:ffff:ffff:ffff')).toBe('campus');
    expect(idAt('2001:db8:1::')).toBeUndefined();
    expect(idAt('2001:db7:ffff:ffff:ffff:ffff:ffff:ffff')).toBeUndefined();
  });

  it('when a reader\'s address is IPv4-mapped IPv6, then it is matched as IPv4', () => {
    expect(idAt('::ffff:203.0.113.9')).toBe('city-library');
    expect(idAt('::ffff:198.51.100.9')).toBeUndefined();
  });

  it('when the address is not one, or there are no ranges, then none', () => {
    expect(idAt('unknown')).toBeUndefined();
    expect(new InstitutionDirectory([]).byAddress('203.0.113.9')).toBeUndefined();
  });

  it('when 10,000 ranges are listed, then one lookup takes microseconds, not a scan', () => {
    const many: Institution[] = Array.from({ length: 1000 }, (_, i) => ({
      id: `i${i}`,
      name: `Institution ${i}`,
      ipRanges: [
        ...Array.from({ length: 5 }, (_, j) => `${20 + (i % 200)}.${Math.floor(i / 200) * 5 + j}.${(i * 7) % 256}.0/24`),
        ...Array.from({ length: 5 }, (_, j) => `2001:db8:${i.toString(16)}:${j}::/64`),
      ],
      emailDomains: [],
    }));
    const big = new InstitutionDirectory(many);
    expect(big.byAddress('2001:db8:3e7:4::9')?.id).toBe('i999');
    expect(big.byAddress(`${20 + (999 % 200)}.${Math.floor(999 / 200) * 5 + 4}.${(999 * 7) % 256}.77`)?.id).toBe('i999');
    const rounds = 20_000;
    const started = performance.now();
    for (let i = 0; i < rounds; i += 1) {
      big.byAddress('198.51.100.7');
      big.byAddress('2001:db9::1');
    }
    const perLookupUs = ((performance.now() - started) * 1000) / (rounds * 2);
    // Logged, not asserted as a timing: the test checks the answers; this shows the cost.
    console.info(`institution range lookup: ${perLookupUs.toFixed(2)} µs over 10,000 ranges`);
    expect(big.byAddress('198.51.100.7')).toBeUndefined();
  });
});

describe('InstitutionDirectory.byEmail', () => {
  it('when the email\'s domain is an institution\'s, or a subdomain of it, then that institution', () => {
    expect(idOf('reader@library.example')).toBe('city-library');
    expect(idOf('reader@a.library.example')).toBe('city-library');
    expect(idOf('reader@x.y.library.example')).toBe('city-library');
    expect(idOf('Reader@LIBRARY.Example')).toBe('city-library');
  });

  it('when a subdomain is another institution\'s, then the most specific domain answers', () => {
    expect(idOf('reader@staff.library.example')).toBe('campus');
    expect(idOf('reader@a.staff.library.example')).toBe('campus');
  });

  it('when a domain only ends with the same letters, or is a parent, then none', () => {
    expect(idOf('reader@evillibrary.example')).toBeUndefined();
    expect(idOf('reader@library.example.evil')).toBeUndefined();
    expect(idOf('reader@example')).toBeUndefined();
    expect(idOf('not-an-email')).toBeUndefined();
    expect(directory.hasEmailDomains).toBe(true);
    expect(new InstitutionDirectory([{ ...city, emailDomains: [] }]).hasEmailDomains).toBe(false);
  });
});
