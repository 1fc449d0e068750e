import { forbiddenAddressReason } from './address-classifier.js';

describe('forbiddenAddressReason (webhook targets, SSRF)', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['0.0.0.0', 'this network'],
    ['10.1.2.3', 'a private network'],
    ['172.16.0.1', 'a private network'],
    ['172.31.255.255', 'a private network'],
    ['192.168.1.10', 'a private network'],
    ['100.64.0.1', 'a shared (carrier-grade NAT) network'],
    ['169.254.169.254', 'link-local (and cloud metadata)'],
    ['169.254.0.1', 'link-local (and cloud metadata)'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved (and broadcast)'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link-local'],
    ['fd00:ec2::254', 'a unique local (private) network'],
    ['fc00::1', 'a unique local (private) network'],
    ['ff02::1', 'multicast'],
    // IPv4 inside IPv6: mapped, in both spellings, compatible and NAT64.
    ['::ffff:127.0.0.1', 'loopback'],
    ['::FFFF:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'link-local (and cloud metadata)'],
    ['::ffff:a9fe:a9fe', 'link-local (and cloud metadata)'],
    ['::ffff:0:10.0.0.1', 'a private network'],
    ['::127.0.0.1', 'loopback'],
    ['64:ff9b::10.0.0.1', 'a private network'],
    ['64:ff9b::7f00:1', 'loopback'],
    // The same in the other spellings an address can take: the URL parser writes [::127.0.0.1] as
    // [::7f00:1], and a resolver need not compress zeros.
    ['::7f00:1', 'loopback'],
    ['::a9fe:a9fe', 'link-local (and cloud metadata)'],
    ['0:0:0:0:0:ffff:7f00:1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['64:ff9b:0:0:0:0:a9fe:a9fe', 'link-local (and cloud metadata)'],
    ['64:ff9b::192.168.0.1', 'a private network'],
    ['::ffff:0:0a00:1', 'a private network'],
    // 6to4 carries its IPv4 address in the second and third groups; local-use NAT64 and Teredo are refused whole.
    ['2002:7f00:1::', 'loopback'],
    ['2002:a9fe:a9fe::1', 'link-local (and cloud metadata)'],
    ['64:ff9b:1::a00:1', 'local-use NAT64 (an IPv4 address behind it)'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo (an IPv4 address behind it)'],
    ['::ffff:172.16.0.1', 'a private network'],
    ['::ffff:100.64.0.1', 'a shared (carrier-grade NAT) network'],
    ['::ffff:0.0.0.0', 'this network'],
    ['::ffff:ffff:ffff', 'reserved (and broadcast)'],
    ['127.0.0.0', 'loopback'],
    ['10.255.255.255', 'a private network'],
    ['192.168.255.255', 'a private network'],
    ['100.127.255.255', 'a shared (carrier-grade NAT) network'],
    ['169.254.255.255', 'link-local (and cloud metadata)'],
    ['febf:ffff::1', 'link-local'],
    ['fdff:ffff::1', 'a unique local (private) network'],
    ['239.255.255.250', 'multicast'],
    ['fe80::1%eth0', 'link-local'],
  ])('refuses %s (%s)', (address, reason) => {
    expect(forbiddenAddressReason(address)).toBe(reason);
  });

  it.each([
    '93.184.215.14',
    '8.8.8.8',
    '172.32.0.1',
    '192.169.0.1',
    '100.128.0.1',
    '2606:4700::1111',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '::ffff:0:808:808',
    '1.1.1.1',
    '2001:4860:4860::8888',
    '169.253.255.255',
    '172.15.255.255',
    '11.0.0.1',
    '126.255.255.255',
    '128.0.0.1',
    '100.63.255.255',
    '2a00:1450::1',
  ])('allows the public address %s', (address) => {
    expect(forbiddenAddressReason(address)).toBeNull();
  });

  it.each(['localhost', '2130706433', '0177.0.0.1', '0x7f.0.0.1', '', 'example.com', '127.1'])(
    'refuses %j, which is not an IP address (names and other spellings are resolved or normalized before)',
    (value) => {
      expect(forbiddenAddressReason(value)).toBe('not an IP address');
    },
  );
});
