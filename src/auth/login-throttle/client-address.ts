import { isIPv4, isIPv6 } from 'node:net';

const IPV4_MAPPED = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;
const IPV6_GROUPS = 8;
/** One subscriber usually holds a whole IPv6 /64, so the first four groups identify the client. */
const IPV6_CLIENT_GROUPS = 4;

/**
 * The throttle key of a client address: an IPv4 address as is (also when IPv4-mapped in IPv6),
 * an IPv6 address by its /64 prefix, so that rotating through one's own /64 gains nothing.
 */
export function clientAddressKey(address: string): string {
  const unzoned = address.split('%')[0];
  const mapped = IPV4_MAPPED.exec(unzoned);
  if (mapped && isIPv4(mapped[1])) return mapped[1];
  if (!isIPv6(unzoned)) return unzoned;
  return `${expandIPv6(unzoned).slice(0, IPV6_CLIENT_GROUPS).join(':')}::/64`;
}

/** The eight groups of an IPv6 address, lower case without leading zeros ("2001:db8::1" -> [2001, db8, 0, ..., 1]). */
function expandIPv6(address: string): string[] {
  const [head, tail] = address.toLowerCase().split('::');
  const groupsOf = (part: string | undefined) => (part ? part.split(':') : []);
  const headGroups = groupsOf(head);
  const tailGroups = groupsOf(tail);
  if (tailGroups.length > 0 && tailGroups[tailGroups.length - 1].includes('.')) {
    // An embedded IPv4 tail ("::1.2.3.4") fills the last two groups.
    const [a, b, c, d] = tailGroups.pop()!.split('.').map(Number);
    tailGroups.push(((a << 8) | b).toString(16), ((c << 8) | d).toString(16));
  }
  const zeros = tail === undefined ? [] : Array<string>(IPV6_GROUPS - headGroups.length - tailGroups.length).fill('0');
  return [...headGroups, ...zeros, ...tailGroups].map((group) => parseInt(group, 16).toString(16));
}
