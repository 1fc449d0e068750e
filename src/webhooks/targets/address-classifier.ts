import { BlockList, isIP } from 'node:net';

/**
 * Where a webhook may not be delivered: the networks of the service's own host and its neighbours,
 * and the cloud metadata endpoints. A target is checked against these at creation and again, after
 * a fresh DNS lookup, at every delivery (SSRF).
 */
const FORBIDDEN: ReadonlyArray<[string, number, 'ipv4' | 'ipv6', string]> = [
  ['0.0.0.0', 8, 'ipv4', 'this network'],
  ['10.0.0.0', 8, 'ipv4', 'a private network'],
  ['100.64.0.0', 10, 'ipv4', 'a shared (carrier-grade NAT) network'],
  ['127.0.0.0', 8, 'ipv4', 'loopback'],
  ['169.254.0.0', 16, 'ipv4', 'link-local (and cloud metadata)'],
  ['172.16.0.0', 12, 'ipv4', 'a private network'],
  ['192.0.0.0', 24, 'ipv4', 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'ipv4', 'documentation'],
  ['192.88.99.0', 24, 'ipv4', '6to4 relay anycast'],
  ['192.168.0.0', 16, 'ipv4', 'a private network'],
  ['198.18.0.0', 15, 'ipv4', 'benchmarking'],
  ['198.51.100.0', 24, 'ipv4', 'documentation'],
  ['203.0.113.0', 24, 'ipv4', 'documentation'],
  ['224.0.0.0', 4, 'ipv4', 'multicast'],
  ['240.0.0.0', 4, 'ipv4', 'reserved (and broadcast)'],
  ['::', 128, 'ipv6', 'unspecified'],
  ['::1', 128, 'ipv6', 'loopback'],
  ['100::', 64, 'ipv6', 'discard-only'],
  ['2001:db8::', 32, 'ipv6', 'documentation'],
  ['fc00::', 7, 'ipv6', 'a unique local (private) network'],
  ['fe80::', 10, 'ipv6', 'link-local'],
  ['fec0::', 10, 'ipv6', 'site-local'],
  ['ff00::', 8, 'ipv6', 'multicast'],
];

const blocked = new Map<string, BlockList>();
for (const [network, prefix, family, reason] of FORBIDDEN) {
  const list = blocked.get(reason) ?? new BlockList();
  list.addSubnet(network, prefix, family);
  blocked.set(reason, list);
}

/** IPv6 forms that carry an IPv4 address: IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::/96). */
const EMBEDDING_PREFIXES = [/^::ffff:(?:0:)?/i, /^64:ff9b::/i, /^::(?=\d+\.)/];

/**
 * Why a webhook may not be delivered to `address` (an IP address, IPv4 or IPv6, as DNS answers
 * it), or null when it may. Anything that is not an IP address is refused too.
 */
export function forbiddenAddressReason(address: string): string | null {
  const family = isIP(address);
  if (family === 0) return 'not an IP address';
  if (family === 6) {
    const embedded = embeddedIpv4(address);
    if (embedded) return forbiddenAddressReason(embedded);
  }
  for (const [reason, list] of blocked) {
    if (list.check(address, family === 4 ? 'ipv4' : 'ipv6')) return reason;
  }
  return null;
}

/** The IPv4 address an IPv6 address carries (mapped, compatible or NAT64), in dotted form; null when it carries none. */
function embeddedIpv4(address: string): string | null {
  const lower = address.toLowerCase();
  for (const prefix of EMBEDDING_PREFIXES) {
    const match = prefix.exec(lower);
    if (!match) continue;
    const rest = lower.slice(match[0].length);
    if (isIP(rest) === 4) return rest;
    // The last 32 bits written as two hex groups: ::ffff:7f00:1.
    const groups = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(rest);
    if (groups) {
      const value = (parseInt(groups[1], 16) << 16) | parseInt(groups[2], 16);
      return [24, 16, 8, 0].map((shift) => (value >>> shift) & 0xff).join('.');
    }
  }
  return null;
}
