import { isIPv4, isIPv6 } from 'node:net';

/**
 * The MAAS emulator's own address arithmetic (subnet containment, ranges, allocation), kept
 * apart from the product's IP helpers so that the emulator does not share the driver's bugs.
 *
 * Sources: MAAS validates addresses with Django's GenericIPAddressField and CIDRs with netaddr
 * (`maasserver/models/subnet.py`, `maasserver/forms/subnet.py`: "Required format:
 * <network>/<prefixlen>."), and renders a subnet's CIDR with its host bits cleared; addresses
 * are written in the canonical text form of RFC 5952 (IPv6: lowercase, longest run of two or
 * more zero groups compressed, the first such run on ties) and dotted quads for IPv4.
 */
export type IpFamily = 4 | 6;

export interface Address {
  family: IpFamily;
  /** The address as an unsigned integer (32 or 128 bits). */
  n: bigint;
}

export interface Network {
  family: IpFamily;
  prefixLength: number;
  /** First and last address of the block (network and broadcast for IPv4). */
  low: bigint;
  high: bigint;
}

const BITS: Record<IpFamily, number> = { 4: 32, 6: 128 };

function v4ToInt(text: string): bigint {
  let n = 0n;
  for (const octet of text.split('.')) n = n * 256n + BigInt(parseInt(octet, 10));
  return n;
}

/** Parses an IPv4 or IPv6 address (RFC 4291 §2.2 text forms, including a dotted IPv4 tail). */
export function toAddress(text: string): Address | undefined {
  if (isIPv4(text)) return { family: 4, n: v4ToInt(text) };
  if (!isIPv6(text)) return undefined;
  let groups: string[];
  let tail: bigint | undefined;
  let body = text;
  const dotted = /:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(body);
  if (dotted) {
    tail = v4ToInt(dotted[1]);
    body = body.slice(0, body.length - dotted[1].length) + '0:0';
  }
  const gap = body.indexOf('::');
  if (gap >= 0) {
    const left = body.slice(0, gap).split(':').filter((g) => g !== '');
    const right = body.slice(gap + 2).split(':').filter((g) => g !== '');
    groups = [...left, ...new Array<string>(8 - left.length - right.length).fill('0'), ...right];
  } else {
    groups = body.split(':');
  }
  let n = 0n;
  for (const g of groups) n = (n << 16n) | BigInt(parseInt(g, 16));
  if (tail !== undefined) n = (n & ~0xffffffffn) | tail;
  return { family: 6, n };
}

/** The RFC 5952 text of an address. */
export function addressText(address: Address): string {
  if (address.family === 4) {
    const octets: string[] = [];
    for (let i = 3; i >= 0; i--) octets.push(String((address.n >> BigInt(i * 8)) & 0xffn));
    return octets.join('.');
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((address.n >> BigInt(i * 16)) & 0xffffn));
  // RFC 5952 §4.2: compress the longest run (at least two) of zero groups, the first one on ties.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}

/** Parses `<network>/<prefixlen>`; host bits may be set (MAAS clears them when it stores it). */
export function toNetwork(text: string): Network | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const address = toAddress(text.slice(0, slash));
  const lengthText = text.slice(slash + 1);
  if (!address || !/^\d{1,3}$/.test(lengthText)) return undefined;
  const prefixLength = Number(lengthText);
  const bits = BITS[address.family];
  if (prefixLength > bits) return undefined;
  const hostMask = (1n << BigInt(bits - prefixLength)) - 1n;
  const low = address.n & ~hostMask & ((1n << BigInt(bits)) - 1n);
  return { family: address.family, prefixLength, low, high: low | hostMask };
}

/** The CIDR with its host bits cleared, as MAAS stores a subnet's `cidr`. */
export function canonicalCidr(text: string): string {
  const net = toNetwork(text);
  return net ? `${addressText({ family: net.family, n: net.low })}/${net.prefixLength}` : text;
}

/** Whether an address lies in a CIDR block (same family, between its first and last address). */
export function networkHas(cidr: string, text: string): boolean {
  const net = toNetwork(cidr);
  const address = toAddress(text);
  return net !== undefined && address !== undefined && net.family === address.family && address.n >= net.low && address.n <= net.high;
}
