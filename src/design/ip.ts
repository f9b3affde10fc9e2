/**
 * IPv4/IPv6 addresses and CIDRs as bigints: the one IP library of the product, used by the
 * design's locality and uniqueness rules and by the MAAS driver's subnet and address checks.
 * A leaf module: pure (it runs inside workflows with the design), it imports nothing.
 */

export interface IpAddress {
  version: 4 | 6;
  value: bigint;
}

export interface Cidr {
  version: 4 | 6;
  /** The address as written (host bits possibly set). */
  address: bigint;
  prefix: number;
  /** The network address (host bits cleared). */
  network: bigint;
  /** The last address of the network (all host bits set). */
  last: bigint;
  hostBitsSet: boolean;
}

export function parseIp(text: string): IpAddress | undefined {
  if (text.includes(':')) {
    const v = parseIpv6(text);
    return v === undefined ? undefined : { version: 6, value: v };
  }
  const v = parseIpv4(text);
  return v === undefined ? undefined : { version: 4, value: v };
}

function parseIpv4(text: string): bigint | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  let v = 0n;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(m[i]);
    if (octet > 255 || String(octet) !== m[i]) return undefined;
    v = (v << 8n) | BigInt(octet);
  }
  return v;
}

function parseIpv6(text: string): bigint | undefined {
  if (!/^[0-9A-Fa-f:.]+$/.test(text)) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    const parts = s.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIpv4(p);
        if (v4 === undefined) return undefined;
        out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else if (/^[0-9A-Fa-f]{1,4}$/.test(p)) out.push(parseInt(p, 16));
      else return undefined;
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  let v = 0n;
  for (const g of [...head, ...Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail]) v = (v << 16n) | BigInt(g);
  return v;
}

export function parseCidr(text: string): Cidr | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text.trim());
  if (!m) return undefined;
  const ip = parseIp(m[1]);
  if (!ip) return undefined;
  const bits = ip.version === 4 ? 32 : 128;
  const prefix = Number(m[2]);
  if (prefix > bits) return undefined;
  const hostMask = (1n << BigInt(bits - prefix)) - 1n;
  const network = ip.value & ~hostMask & ((1n << BigInt(bits)) - 1n);
  return { version: ip.version, address: ip.value, prefix, network, last: network | hostMask, hostBitsSet: network !== ip.value };
}

/** Whether the address is inside the network; text that does not parse is inside nothing. */
export function cidrContains(cidrOrText: Cidr | string, ipOrText: IpAddress | string): boolean {
  const cidr = typeof cidrOrText === 'string' ? parseCidr(cidrOrText) : cidrOrText;
  const ip = typeof ipOrText === 'string' ? parseIp(ipOrText) : ipOrText;
  if (!cidr || !ip || cidr.version !== ip.version) return false;
  const bits = cidr.version === 4 ? 32 : 128;
  return ip.value >> BigInt(bits - cidr.prefix) === cidr.network >> BigInt(bits - cidr.prefix);
}

/** The address in its canonical text form (IPv6 as RFC 5952: lower case, longest zero run as `::`). */
export function formatIp({ version, value }: IpAddress): string {
  if (version === 4) return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join('.');
  const groups: string[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) groups.push(((value >> s) & 0xffffn).toString(16));
  // Compress the longest run of zero groups (RFC 5952).
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestStart < 0) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLen).join(':')}`;
}

/** The CIDR with host bits cleared, e.g. 172.16.100.1/24 -> 172.16.100.0/24. */
export function networkOf(cidr: Cidr): string {
  return `${formatIp({ version: cidr.version, value: cidr.network })}/${cidr.prefix}`;
}

/** The canonical network of a CIDR given as text (host bits cleared), for comparing MAAS's
 * subnets with the design's; text that is not a CIDR comes back as it is. */
export function normaliseCidr(text: string): string {
  const cidr = parseCidr(text);
  return cidr ? networkOf(cidr) : text;
}

/** A canonical text form, so that `::1` and `0::1` compare equal. */
export function canonicalIp(text: string): string | undefined {
  const ip = parseIp(text);
  return ip ? formatIp(ip) : undefined;
}

/** Whether two addresses are the same (`::1` and `0::1` are); two absent addresses are too. */
export function sameIp(a: string | null | undefined, b: string | null | undefined): boolean {
  if (!a || !b) return !a && !b;
  const pa = parseIp(a);
  const pb = parseIp(b);
  return !!pa && !!pb && pa.version === pb.version && pa.value === pb.value;
}
