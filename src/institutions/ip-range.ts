import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * A range as matched: IPv4 as an unsigned 32-bit number; IPv6 as a string of its prefix's
 * bits ('0'/'1', `bits` long), since a prefix table keyed by bit strings costs a slice and a
 * Map lookup per prefix length, where 128-bit bigint masks cost tens of microseconds.
 */
export type RangeKey = { readonly family: 'ipv4'; readonly network: number; readonly bits: number } | { readonly family: 'ipv6'; readonly network: string; readonly bits: number };

/** A checked range, with the form it is written back in ("2001:db8::/48"). */
export type ParsedRange = RangeKey & { readonly cidr: string };

/**
 * The shortest prefixes accepted. A range wider than these is far more likely a mistake
 * (a "/0", a missing digit) than a real institution's network, and would open every
 * article to a large part of the internet.
 */
export const shortestPrefix = { ipv4: 8, ipv6: 16 } as const;

/**
 * Parses one range with ipaddr.js, strictly: IPv4 only in four-part decimal ("10.1/8" and
 * "0x0a.0.0.0/8" are refused: lenient IPv4 parsing is how ranges come to mean something else
 * than they read), no zone ids, no IPv4-mapped IPv6 ranges (write them as IPv4, which is how
 * readers' mapped addresses are matched), no host bits set (203.0.113.5/24 is refused, not
 * silently read as 203.0.113.0/24: the writer may have meant a /32), and nothing wider than
 * `shortestPrefix`. Answers the range or what is wrong with it. For saving; a view matches
 * with `rangeKey` and `addressKey`.
 */
export function parseRange(input: string): ParsedRange | { readonly error: string } {
  const text = input.trim();
  if (text.includes('%')) return { error: 'must not carry a zone id' };
  const slash = text.indexOf('/');
  if (slash < 0) return { error: 'must be a range with a prefix length, like 203.0.113.0/24 or 2001:db8::/48 (a single address: /32 or /128)' };
  if (!/^\d{1,3}$/.test(text.slice(slash + 1))) return { error: 'must end in a prefix length in decimal, like /24' };
  // One family's check each: ipaddr.js's lenient IPv4 patterns are slow on IPv6 text.
  const colon = text.includes(':');
  const isV4 = !colon && ipaddr.IPv4.isValidCIDRFourPartDecimal(text);
  const isV6 = colon && ipaddr.IPv6.isValidCIDR(text);
  if (!isV4 && !isV6) return { error: 'is not an IPv4 or IPv6 range (IPv4 in four-part decimal, like 203.0.113.0/24)' };
  const [address, bits] = ipaddr.parseCIDR(text);
  if (address.kind() === 'ipv4') {
    if (bits < shortestPrefix.ipv4) return { error: `is too broad: IPv4 ranges must be /${shortestPrefix.ipv4} or narrower` };
    const network = ipaddr.IPv4.networkAddressFromCIDR(text).toString();
    if (network !== address.toString()) return { error: `has host bits set: did you mean ${network}/${bits}?` };
    return { ...rangeKey(`${network}/${bits}`)!, cidr: `${network}/${bits}` };
  }
  const v6 = address as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) return { error: 'is an IPv4-mapped range: write it as IPv4 (readers\' mapped addresses are matched as IPv4)' };
  if (bits < shortestPrefix.ipv6) return { error: `is too broad: IPv6 ranges must be /${shortestPrefix.ipv6} or narrower` };
  const network = ipaddr.IPv6.networkAddressFromCIDR(text);
  if (network.toNormalizedString() !== v6.toNormalizedString()) return { error: `has host bits set: did you mean ${network.toString()}/${bits}?` };
  const cidr = `${v6.toString()}/${bits}`;
  return { ...rangeKey(cidr)!, cidr };
}

/** A range already checked by `parseRange` (a stored one), as matched; undefined if it is not one. */
export function rangeKey(cidr: string): RangeKey | undefined {
  const slash = cidr.indexOf('/');
  const bits = Number(cidr.slice(slash + 1));
  const address = addressKey(cidr.slice(0, slash));
  if (slash < 0 || address === undefined || !Number.isInteger(bits)) return undefined;
  if (address.family === 'ipv4') return bits >= 0 && bits <= 32 ? { family: 'ipv4', network: address.value, bits } : undefined;
  return bits >= 0 && bits <= 128 ? { family: 'ipv6', network: address.value.slice(0, bits), bits } : undefined;
}

/**
 * A reader's address as matched: IPv4 as a number, IPv6 as its 128 bits; IPv4-mapped IPv6
 * (`::ffff:203.0.113.7`) as its IPv4 address; undefined when unparseable. On every gated
 * view, so Node's own strict check (no "127.1", no hex parts), then plain string work: about
 * a microsecond, where ipaddr.js's lenient-format checks take ten or more.
 */
export function addressKey(address: string): { family: 'ipv4'; value: number } | { family: 'ipv6'; value: string } | undefined {
  const kind = isIP(address);
  if (kind === 4) return { family: 'ipv4', value: dottedNumber(address) };
  if (kind !== 6) return undefined;
  const groups = ipv6Groups(address);
  // ::ffff:a.b.c.d, however it was written.
  if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff) return { family: 'ipv4', value: ((groups[6]! << 16) | groups[7]!) >>> 0 };
  let bits = '';
  for (const group of groups) bits += nibbleBits[group >>> 12]! + nibbleBits[(group >>> 8) & 15]! + nibbleBits[(group >>> 4) & 15]! + nibbleBits[group & 15]!;
  return { family: 'ipv6', value: bits };
}

const nibbleBits = Array.from({ length: 16 }, (_, n) => n.toString(2).padStart(4, '0'));

/** The eight 16-bit groups of an address isIP accepted as IPv6 ("::" expanded, a zone id dropped, a dotted tail as two groups). */
function ipv6Groups(address: string): number[] {
  const zone = address.indexOf('%');
  const text = zone < 0 ? address : address.slice(0, zone);
  const gap = text.indexOf('::');
  const head = groupsOf(gap < 0 ? text : text.slice(0, gap));
  if (gap < 0) return head;
  const tail = groupsOf(text.slice(gap + 2));
  const groups = head;
  for (let i = head.length + tail.length; i < 8; i += 1) groups.push(0);
  for (const group of tail) groups.push(group);
  return groups;
}

function groupsOf(part: string): number[] {
  const groups: number[] = [];
  if (part === '') return groups;
  for (const piece of part.split(':')) {
    if (piece.includes('.')) {
      const v4 = dottedNumber(piece);
      groups.push(v4 >>> 16, v4 & 0xffff);
    } else groups.push(parseInt(piece, 16));
  }
  return groups;
}

/** "203.0.113.7", already checked by isIP (four decimal parts, each 0..255). */
function dottedNumber(address: string): number {
  const [a, b, c, d] = address.split('.').map(Number) as [number, number, number, number];
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}
