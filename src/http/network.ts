import ipaddr from 'ipaddr.js';
import type { Request } from 'express';

/**
 * The client's address as `trust proxy` resolves it (never a raw X-Forwarded-For), or the
 * socket's peer.
 */
export function clientAddress(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

/**
 * The network a client address belongs to, for rate limits and the new-reader bound: an IPv4
 * address as it is, an IPv6 address by its /64 (one subscriber's prefix; rotating the low 64
 * bits gives nothing). IPv4-mapped IPv6 addresses (`::ffff:203.0.113.7`) count as their IPv4
 * address. Anything unparseable is its own network.
 */
export function networkOf(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const parts = (parsed as ipaddr.IPv6).parts.slice(0, 4);
  return `${new ipaddr.IPv6([...parts, 0, 0, 0, 0]).toString()}/64`;
}
