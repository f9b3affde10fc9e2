import { addressText, canonicalCidr, networkHas, toAddress, toNetwork } from '../../../../lab/maas/ip';

// The MAAS emulator's own address arithmetic, checked against RFC 5952's examples.
describe('MAAS emulator IP arithmetic', () => {
  it('writes IPv6 in RFC 5952 form: longest zero run compressed, the first on ties, never a single group', () => {
    const canonical = (text: string) => addressText(toAddress(text)!);
    expect(canonical('2001:0db8:0000:0000:0000:0000:0002:0001')).toBe('2001:db8::2:1');
    expect(canonical('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(canonical('2001:db8:0:1:1:1:1:1')).toBe('2001:db8:0:1:1:1:1:1');
    expect(canonical('2001:db8:0:0:1:0:0:0')).toBe('2001:db8:0:0:1::');
    expect(canonical('2001:DB8::1')).toBe('2001:db8::1');
    expect(canonical('::')).toBe('::');
    expect(canonical('::1')).toBe('::1');
    expect(canonical('::ffff:192.0.2.1')).toBe('::ffff:c000:201');
  });

  it('refuses what is not an address or a CIDR', () => {
    expect(toAddress('10.0.0.256')).toBeUndefined();
    // Leading zeros are ambiguous (octal?); Python's ipaddress, behind Django's validator, refuses them.
    expect(toAddress('010.1.2.3')).toBeUndefined();
    expect(toAddress('fe80::1::2')).toBeUndefined();
    expect(toNetwork('10.0.0.0')).toBeUndefined();
    expect(toNetwork('10.0.0.0/33')).toBeUndefined();
    expect(toNetwork('10.0.0.0/x')).toBeUndefined();
    expect(toNetwork('2001:db8::/129')).toBeUndefined();
  });

  it('clears host bits as MAAS stores a subnet, and tells containment by family and bounds', () => {
    expect(canonicalCidr('10.1.2.3/24')).toBe('10.1.2.0/24');
    expect(canonicalCidr('2001:db8::1/64')).toBe('2001:db8::/64');
    expect(toNetwork('172.16.0.0/12')).toEqual({ family: 4, prefixLength: 12, low: 0xac100000n, high: 0xac1fffffn });
    expect(networkHas('172.16.0.0/12', '172.31.255.255')).toBe(true);
    expect(networkHas('172.16.0.0/12', '172.32.0.0')).toBe(false);
    expect(networkHas('0.0.0.0/0', '255.255.255.255')).toBe(true);
    expect(networkHas('10.0.0.0/8', '::ffff:10.0.0.1')).toBe(false);
    expect(networkHas('2001:db8::/32', '2001:db8:ffff::1')).toBe(true);
  });
});
