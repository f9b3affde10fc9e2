import { canonicalIp, cidrContains, formatIp, networkOf, normaliseCidr, parseCidr, parseIp, sameIp } from '../../../src/design/ip';

// The one IP library of the product: the design's rules and the MAAS driver both use it.
describe('IP addresses', () => {
  it('parses IPv4 and IPv6 (with :: and an embedded IPv4 tail), and refuses what is not an address', () => {
    expect(parseIp('10.0.0.5')).toEqual({ version: 4, value: 0x0a000005n });
    expect(parseIp('::1')).toEqual({ version: 6, value: 1n });
    expect(parseIp('2001:db8::')).toEqual({ version: 6, value: 0x20010db8n << 96n });
    expect(parseIp('::ffff:1.2.3.4')).toEqual({ version: 6, value: (0xffffn << 32n) | 0x01020304n });
    for (const bad of ['', '10.0.0', '10.0.0.256', '010.0.0.1', '1::2::3', '1:2:3:4:5:6:7:8:9', 'host.example', 'fe80::1%eth0', '12345::']) expect(parseIp(bad)).toBeUndefined();
  });

  it('formats canonically (RFC 5952: the longest zero run becomes ::), so equal addresses compare equal', () => {
    expect(formatIp({ version: 4, value: 0x0a000005n })).toBe('10.0.0.5');
    expect(canonicalIp('0:0:0:0:0:0:0:1')).toBe('::1');
    expect(canonicalIp('2001:DB8:0:0:1:0:0:0')).toBe('2001:db8:0:0:1::');
    expect(canonicalIp('2001:db8::')).toBe('2001:db8::');
    expect(canonicalIp('nonsense')).toBeUndefined();
    expect(sameIp('::1', '0::1')).toBe(true);
    expect(sameIp('10.0.0.1', '10.0.0.2')).toBe(false);
    expect(sameIp('10.0.0.1', '::ffff:10.0.0.1')).toBe(false);
    expect(sameIp(undefined, null)).toBe(true);
    expect(sameIp('10.0.0.1', undefined)).toBe(false);
  });
});

describe('CIDRs', () => {
  it('parses the network, its last address and whether host bits are set', () => {
    expect(parseCidr('172.16.100.1/24')).toEqual({ version: 4, address: 0xac106401n, prefix: 24, network: 0xac106400n, last: 0xac1064ffn, hostBitsSet: true });
    expect(parseCidr(' 10.0.0.0/8 ')).toMatchObject({ network: 0x0a000000n, hostBitsSet: false });
    expect(parseCidr('::/0')).toMatchObject({ version: 6, prefix: 0, network: 0n, last: (1n << 128n) - 1n });
    for (const bad of ['10.0.0.0', '10.0.0.0/33', '::/129', '10.0.0.0/x', 'a/24', '10.0.0.0/24/1']) expect(parseCidr(bad)).toBeUndefined();
  });

  it('normalises (host bits cleared) for comparing MAAS subnets with the design, leaving non-CIDRs alone', () => {
    expect(networkOf(parseCidr('172.16.100.1/24')!)).toBe('172.16.100.0/24');
    expect(normaliseCidr('2001:DB8:0:0::1/64')).toBe('2001:db8::/64');
    expect(normaliseCidr('0.0.0.0/0')).toBe('0.0.0.0/0');
    expect(normaliseCidr('not a cidr')).toBe('not a cidr');
  });

  it('tells whether an address is inside a network, from parsed values or text, never across versions', () => {
    expect(cidrContains(parseCidr('10.21.0.0/24')!, parseIp('10.21.0.255')!)).toBe(true);
    expect(cidrContains('10.21.0.0/24', '10.21.0.5')).toBe(true);
    expect(cidrContains('10.21.0.0/24', '10.21.1.0')).toBe(false);
    expect(cidrContains('10.99.0.0/24', '10.21.0.5')).toBe(false);
    expect(cidrContains('::/0', '10.0.0.1')).toBe(false);
    expect(cidrContains('2001:db8::/32', '2001:db8:ffff::1')).toBe(true);
    expect(cidrContains('nonsense', '10.0.0.1')).toBe(false);
    expect(cidrContains('10.0.0.0/8', 'nonsense')).toBe(false);
  });
});
