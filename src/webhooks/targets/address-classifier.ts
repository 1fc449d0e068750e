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
  ['64:ff9b:1::', 48, 'ipv6', 'local-use NAT64 (an IPv4 address behind it)'],
  ['100::', 64, 'ipv6', 'discard-only'],
  ['2001::', 32, 'ipv6', 'Teredo (an IPv4 address behind it)'],
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

/**
 * The IPv4 address an IPv6 address carries, in dotted form; null when it carries none. Read from
 * the address's 128 bits, not its spelling, so that every spelling counts (`::ffff:127.0.0.1`,
 * `::ffff:7f00:1`, `0:0:0:0:0:ffff:7f00:1`, `::7f00:1` as the URL parser writes `[::127.0.0.1]`):
 * IPv4-mapped (::ffff:0:0/96), IPv4-translated (::ffff:0:0:0/96), NAT64 (64:ff9b::/96) and
 * IPv4-compatible (::/96, but `::` and `::1`, which have their own meaning), and 6to4 (2002::/16).
 */
function embeddedIpv4(address: string): string | null {
  const groups = ipv6Groups(address);
  const prefix = groups
    .slice(0, 6)
    .map((group) => group.toString(16))
    .join(':');
  // 6to4 (2002::/16) carries it in the second and third groups.
  if (groups[0] === 0x2002) return dottedQuad(((groups[1] << 16) | groups[2]) >>> 0);
  const low = ((groups[6] << 16) | groups[7]) >>> 0;
  const carries =
    prefix === '0:0:0:0:0:ffff' || prefix === '0:0:0:0:ffff:0' || prefix === '64:ff9b:0:0:0:0' || (prefix === '0:0:0:0:0:0' && low > 1);
  return carries ? dottedQuad(low) : null;
}

function dottedQuad(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 0xff).join('.');
}

/** The eight 16-bit groups of an IPv6 address (one isIP accepted), a zone index dropped. */
function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase().replace(/%.*$/, '');
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const parse = (part: string | undefined) => (part ? part.split(':').map((group) => parseInt(group, 16)) : []);
  const before = parse(head);
  const after = parse(tail);
  return tail === undefined ? before : [...before, ...Array<number>(8 - before.length - after.length).fill(0), ...after];
}
