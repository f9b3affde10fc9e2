import { isIP } from 'node:net';

/** Small IPv4/IPv6 helpers for subnet membership and address ranges (no dependency needed). */
export interface ParsedIp {
  version: 4 | 6;
  value: bigint;
}

export function parseIp(text: string): ParsedIp | undefined {
  const version = isIP(text);
  if (version === 4) {
    return { version: 4, value: text.split('.').reduce((acc, part) => (acc << 8n) + BigInt(Number(part)), 0n) };
  }
  if (version === 6) {
    let address = text;
    // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hextets.
    const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(address);
    if (v4) {
      const n = parseIp(v4[1])!.value;
      address = `${address.slice(0, -v4[1].length)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
    }
    const [head, tail] = address.includes('::') ? address.split('::') : [address, undefined];
    const headParts = head ? head.split(':') : [];
    const tailParts = tail ? tail.split(':') : [];
    const missing = 8 - headParts.length - tailParts.length;
    const parts = [...headParts, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...tailParts];
    return { version: 6, value: parts.reduce((acc, part) => (acc << 16n) + BigInt(parseInt(part || '0', 16)), 0n) };
  }
  return undefined;
}

export function formatIp(ip: ParsedIp): string {
  if (ip.version === 4) return [24n, 16n, 8n, 0n].map((shift) => String((ip.value >> shift) & 0xffn)).join('.');
  const parts: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) parts.push(((ip.value >> shift) & 0xffffn).toString(16));
  return parts.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

export interface ParsedCidr {
  version: 4 | 6;
  network: bigint;
  prefix: number;
  first: bigint;
  last: bigint;
}

export function parseCidr(text: string): ParsedCidr | undefined {
  const [address, prefixText] = text.split('/');
  const ip = parseIp(address ?? '');
  if (!ip || prefixText === undefined || !/^\d+$/.test(prefixText)) return undefined;
  const bits = ip.version === 4 ? 32 : 128;
  const prefix = Number(prefixText);
  if (prefix > bits) return undefined;
  const hostBits = BigInt(bits - prefix);
  const mask = ((1n << BigInt(bits)) - 1n) ^ ((1n << hostBits) - 1n);
  const network = ip.value & mask;
  return { version: ip.version, network, prefix, first: network, last: network | ((1n << hostBits) - 1n) };
}

export function cidrContains(cidr: string, address: string): boolean {
  const net = parseCidr(cidr);
  const ip = parseIp(address);
  return !!net && !!ip && net.version === ip.version && ip.value >= net.first && ip.value <= net.last;
}

/** Canonical form of a CIDR (host bits cleared), for comparing MAAS's and the design's. */
export function normaliseCidr(text: string): string {
  const net = parseCidr(text);
  if (!net) return text;
  return `${formatIp({ version: net.version, value: net.network })}/${net.prefix}`;
}

export function sameIp(a: string | null | undefined, b: string | null | undefined): boolean {
  if (!a || !b) return !a && !b;
  const pa = parseIp(a);
  const pb = parseIp(b);
  return !!pa && !!pb && pa.version === pb.version && pa.value === pb.value;
}
