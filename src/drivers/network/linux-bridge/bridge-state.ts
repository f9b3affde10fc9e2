/**
 * Reading a Linux switch's state (`ip -j -d link show`, `bridge -j vlan show`) and turning the
 * difference between a port's VLANs and the desired ones into `bridge vlan` commands. Pure.
 */

export interface LinkState {
  name: string;
  master?: string;
  /** linkinfo.info_kind: bridge, veth, bond, ... (absent for physical NICs). */
  kind?: string;
  /** For bridges: vlan_filtering. */
  vlanFiltering?: boolean;
  adminUp: boolean;
  operState?: string;
}

export interface VlanEntry {
  vid: number;
  pvid: boolean;
  untagged: boolean;
}

export interface DesiredVlans {
  /** VLAN carried untagged, as the port's PVID. */
  untagged?: number;
  tagged: number[];
}

/** Thrown when the switch's output is not what iproute2 prints. */
export class SwitchOutputError extends Error {}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text.trim() === '' ? '[]' : text);
  } catch {
    throw new SwitchOutputError(`${what} did not print JSON (is iproute2 older than 4.13, without -j?)`);
  }
}

export function parseLinks(text: string): Map<string, LinkState> {
  const parsed = parseJson(text, '`ip -j -d link show`');
  if (!Array.isArray(parsed)) throw new SwitchOutputError('`ip -j -d link show` did not print a list of links');
  const links = new Map<string, LinkState>();
  for (const raw of parsed as Array<Record<string, unknown>>) {
    if (typeof raw.ifname !== 'string') continue;
    const linkinfo = raw.linkinfo as { info_kind?: string; info_data?: { vlan_filtering?: number } } | undefined;
    const flags = Array.isArray(raw.flags) ? (raw.flags as string[]) : [];
    links.set(raw.ifname, {
      name: raw.ifname,
      master: typeof raw.master === 'string' ? raw.master : undefined,
      kind: linkinfo?.info_kind,
      vlanFiltering: linkinfo?.info_kind === 'bridge' ? linkinfo.info_data?.vlan_filtering === 1 : undefined,
      adminUp: flags.includes('UP'),
      operState: typeof raw.operstate === 'string' ? raw.operstate : undefined,
    });
  }
  return links;
}

type RawVlan = { vlan: number; vlanEnd?: number; flags?: string[] };

/** iproute2 >= 5.0 prints [{ifname, vlans: [...]}]; 4.x printed {ifname: [...]}; ranges carry vlanEnd. */
export function parseVlans(text: string): Map<string, VlanEntry[]> {
  const parsed = parseJson(text, '`bridge -j vlan show`');
  let rows: Array<[string, RawVlan[]]>;
  if (Array.isArray(parsed)) rows = (parsed as Array<{ ifname?: string; vlans?: RawVlan[] }>).filter((r) => typeof r.ifname === 'string').map((r) => [r.ifname as string, r.vlans ?? []]);
  else if (parsed !== null && typeof parsed === 'object') rows = Object.entries(parsed as Record<string, RawVlan[]>);
  else throw new SwitchOutputError('`bridge -j vlan show` printed neither a list nor an object');
  const table = new Map<string, VlanEntry[]>();
  for (const [ifname, vlans] of rows) {
    const entries = table.get(ifname) ?? [];
    for (const v of vlans) {
      if (!Number.isInteger(v.vlan)) continue;
      for (let vid = v.vlan; vid <= (v.vlanEnd ?? v.vlan); vid++) {
        entries.push({ vid, pvid: v.flags?.includes('PVID') ?? false, untagged: v.flags?.includes('Egress Untagged') ?? false });
      }
    }
    table.set(ifname, entries.sort((a, b) => a.vid - b.vid));
  }
  return table;
}

/** The `bridge -batch` lines that turn `current` into `desired` on `port`; empty when it
 * already holds. Adds come first (the PVID moves before the old VLAN goes), then deletions. */
export function vlanCommands(port: string, current: VlanEntry[], desired: DesiredVlans): string[] {
  const want = new Map<number, { pvid: boolean; untagged: boolean }>();
  for (const vid of desired.tagged) want.set(vid, { pvid: false, untagged: false });
  if (desired.untagged !== undefined) want.set(desired.untagged, { pvid: true, untagged: true });
  const adds: string[] = [];
  for (const [vid, flags] of [...want.entries()].sort(([a, fa], [b, fb]) => Number(fb.pvid) - Number(fa.pvid) || a - b)) {
    const have = current.find((e) => e.vid === vid);
    if (have && have.pvid === flags.pvid && have.untagged === flags.untagged) continue;
    adds.push(`vlan add dev ${port} vid ${vid}${flags.pvid ? ' pvid' : ''}${flags.untagged ? ' untagged' : ''}`);
  }
  const dels = current.filter((e) => !want.has(e.vid)).map((e) => `vlan del dev ${port} vid ${e.vid}`);
  return [...adds, ...dels];
}

export function matchesDesired(current: VlanEntry[], desired: DesiredVlans): boolean {
  return vlanCommands('x', current, desired).length === 0;
}

export function describeVlans(entries: VlanEntry[]): string {
  if (entries.length === 0) return 'no VLANs';
  const pvid = entries.find((e) => e.pvid);
  const untagged = entries.filter((e) => e.untagged && !e.pvid).map((e) => e.vid);
  const tagged = entries.filter((e) => !e.untagged).map((e) => e.vid);
  return [
    pvid ? `untagged ${pvid.vid}${pvid.untagged ? '' : ' (PVID, egress tagged)'}` : undefined,
    untagged.length ? `egress-untagged ${untagged.join(',')}` : undefined,
    tagged.length ? `tagged ${tagged.join(',')}` : undefined,
  ].filter(Boolean).join(', ');
}

export function describeDesired(desired: DesiredVlans): string {
  const parts = [desired.untagged !== undefined ? `untagged ${desired.untagged}` : undefined, desired.tagged.length ? `tagged ${desired.tagged.join(',')}` : undefined].filter(Boolean);
  return parts.length ? parts.join(', ') : 'no VLANs';
}
