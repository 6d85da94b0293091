import { addressKey, rangeKey } from './ip-range';
import type { Institution, InstitutionRef } from './institutions';

/** One family's ranges: a key per (prefix length, network) → institution. */
class PrefixTable<N extends number | string> {
  private readonly entries = new Map<string | number, InstitutionRef>();
  /** The prefix lengths present, longest first: the most specific range answers. */
  private lengths: number[] = [];

  constructor(private readonly keyOf: (value: N, bits: number) => string | number) {}

  add(network: N, bits: number, institution: InstitutionRef): void {
    if (!this.lengths.includes(bits)) this.lengths = [...this.lengths, bits].sort((a, b) => b - a);
    const key = this.keyOf(network, bits);
    // Validation refuses one range in two institutions; the first keeps it otherwise.
    if (!this.entries.has(key)) this.entries.set(key, institution);
  }

  /** One Map lookup per prefix length in use (at most 25 for IPv4, 113 for IPv6): never a scan of the ranges. */
  find(value: N): InstitutionRef | undefined {
    for (const bits of this.lengths) {
      const found = this.entries.get(this.keyOf(value, bits));
      if (found !== undefined) return found;
    }
    return undefined;
  }

  get empty(): boolean {
    return this.lengths.length === 0;
  }
}

/** IPv4: the masked network and the length in one number (network * 64 + bits stays exact in a double). */
const ipv4Key = (value: number, bits: number): number => (bits === 0 ? 0 : ((value & (0xffffffff << (32 - bits))) >>> 0)) * 64 + bits;
/** IPv6: the prefix's bits; their length is the prefix length. */
const ipv6Key = (value: string, bits: number): string => value.slice(0, bits);

/**
 * The institutions compiled for matching a view: address ranges per family in prefix tables
 * (a lookup costs one Map get per prefix length in use, whatever the number of ranges), and
 * email domains in a map walked from the full domain up, so `a.library.example` finds
 * `library.example` and `evillibrary.example` finds nothing. Built once per settings version,
 * from ranges `parseRange` checked when they were saved.
 */
export class InstitutionDirectory {
  private readonly ipv4 = new PrefixTable<number>(ipv4Key);
  private readonly ipv6 = new PrefixTable<string>(ipv6Key);
  private readonly domains = new Map<string, InstitutionRef>();

  constructor(readonly institutions: readonly Institution[]) {
    for (const institution of institutions) {
      const ref: InstitutionRef = Object.freeze({ id: institution.id, name: institution.name });
      for (const cidr of institution.ipRanges) {
        const range = rangeKey(cidr);
        if (range === undefined) continue;
        if (range.family === 'ipv4') this.ipv4.add(range.network, range.bits, ref);
        else this.ipv6.add(range.network, range.bits, ref);
      }
      for (const domain of institution.emailDomains) if (!this.domains.has(domain)) this.domains.set(domain, ref);
    }
  }

  /** Whether any institution has email domains (else a signed-in reader's email need not be looked up). */
  get hasEmailDomains(): boolean {
    return this.domains.size > 0;
  }

  /** The institution whose range holds this address (its most specific one), if any. */
  byAddress(address: string): InstitutionRef | undefined {
    if (this.ipv4.empty && this.ipv6.empty) return undefined;
    const parsed = addressKey(address);
    if (parsed === undefined) return undefined;
    return parsed.family === 'ipv4' ? this.ipv4.find(parsed.value) : this.ipv6.find(parsed.value);
  }

  /** The institution whose domain is this email's domain or a parent of it, if any. */
  byEmail(email: string): InstitutionRef | undefined {
    const at = email.lastIndexOf('@');
    if (at < 0) return undefined;
    let domain = email.slice(at + 1).toLowerCase().replace(/\.$/, '');
    for (;;) {
      const found = this.domains.get(domain);
      if (found !== undefined) return found;
      const dot = domain.indexOf('.');
      if (dot < 0) return undefined;
      domain = domain.slice(dot + 1);
    }
  }
}
