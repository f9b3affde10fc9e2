import type { NetworkLinkModel, NetworkModel } from '../../../design/model';
import type { ActionOutcome } from '../../context';
import { DriverError } from '../../errors';
import type { SiteContext } from '../../../contracts/site-context';
import { normaliseCidr, sameIp } from '../../../design/ip';
import { ChangeLog, MaasSession } from './session';
import type { MaasDomain, MaasFabric, MaasIpRange, MaasRackController, MaasStaticRoute, MaasSubnet, MaasVlan } from './types';

/**
 * CreateNetworkTemplate: the site's networks as MAAS objects. Each NetworkLink is a MAAS fabric
 * (named after the link); each Network allowed on it is a VLAN of that fabric (vid = the network's
 * 802.1q tag, 0 when untagged) holding a subnet with the network's CIDR, gateway (the 0.0.0.0/0
 * route) and DNS servers; reserved ranges become MAAS reserved ranges and DHCP ranges dynamic ones
 * (with DHCP served by the rack controller); static routes and DNS domains follow. Static ranges
 * stay unmanaged by MAAS, as in Drydock: they are where the design's static addresses live.
 *
 * Declarative: everything is read first, compared, and only differences are written. IP ranges
 * and static routes that this driver created (comment `drydock: ...`) or that start from a
 * designed subnet are removed when the design no longer has them; nothing else is deleted.
 */
export const RANGE_COMMENT_PREFIX = 'drydock:';

export interface NetworkPlacement {
  network: NetworkModel;
  link: NetworkLinkModel;
  vid: number;
}

function designError(message: string, source?: { file: string; line: number }): DriverError {
  return new DriverError('maas', 'InvalidRequest', source ? `${message} (${source.file}:${source.line})` : message, { target: 'site design' });
}

/** Which link (fabric) and vid each network lives on. A MAAS subnet belongs to one VLAN, so a
 * network may be allowed on one link only. */
export function placeNetworks(site: SiteContext): Map<string, NetworkPlacement> {
  const placements = new Map<string, NetworkPlacement>();
  for (const link of Object.values(site.links).sort((a, b) => a.name.localeCompare(b.name))) {
    for (const name of link.allowedNetworks) {
      const network = site.networks[name];
      if (!network) throw designError(`NetworkLink ${link.name} allows network ${name}, which the design does not define`, link.source);
      const placed = placements.get(name);
      if (placed) {
        throw designError(
          `network ${name} is allowed on NetworkLinks ${placed.link.name} and ${link.name}; in MAAS a subnet belongs to one fabric, so a network can be carried by one link only`,
          link.source,
        );
      }
      placements.set(name, { network, link, vid: network.vlan ?? 0 });
    }
  }
  return placements;
}

export function defaultGateway(network: NetworkModel): string | undefined {
  return network.routes.find((r) => normaliseCidr(r.subnet) === '0.0.0.0/0' || normaliseCidr(r.subnet) === '::/0')?.gateway;
}

function desiredRanges(network: NetworkModel): Array<{ type: 'dynamic' | 'reserved'; start: string; end: string }> {
  return network.ranges.filter((r) => r.type !== 'static').map((r) => ({ type: r.type === 'dhcp' ? 'dynamic' : 'reserved', start: r.start, end: r.end }));
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

interface SiteNetworkState {
  fabrics: MaasFabric[];
  subnets: MaasSubnet[];
  domains: MaasDomain[];
  ranges: MaasIpRange[];
  routes: MaasStaticRoute[];
  racks: MaasRackController[];
}

async function readState(session: MaasSession): Promise<SiteNetworkState> {
  const { client, ctx } = session;
  const [fabrics, subnets, domains, ranges, routes, racks] = await Promise.all([
    client.get<MaasFabric[]>('fabrics/', undefined, ctx.signal),
    client.get<MaasSubnet[]>('subnets/', undefined, ctx.signal),
    client.get<MaasDomain[]>('domains/', undefined, ctx.signal),
    client.get<MaasIpRange[]>('ipranges/', undefined, ctx.signal),
    client.get<MaasStaticRoute[]>('static-routes/', undefined, ctx.signal),
    client.get<MaasRackController[]>('rackcontrollers/', undefined, ctx.signal),
  ]);
  return { fabrics, subnets, domains, ranges, routes, racks };
}

export async function createNetworkTemplate(session: MaasSession, site: SiteContext): Promise<ActionOutcome> {
  const { client, ctx } = session;
  const log = new ChangeLog(ctx);
  const placements = placeNetworks(site);
  const byLink = new Map<string, NetworkPlacement[]>();
  for (const p of placements.values()) byLink.set(p.link.name, [...(byLink.get(p.link.name) ?? []), p]);

  // Everything the design needs from MAAS is checked before the first write.
  const state = await readState(session);
  const subnetByCidr = new Map(state.subnets.map((s) => [normaliseCidr(s.cidr), s]));
  for (const p of placements.values()) {
    for (const route of p.network.routes) {
      const destination = normaliseCidr(route.subnet);
      if (destination === '0.0.0.0/0' || destination === '::/0') continue;
      const designed = [...placements.values()].some((q) => normaliseCidr(q.network.cidr) === destination);
      if (!designed && !subnetByCidr.has(destination)) {
        throw designError(`network ${p.network.name} routes to ${route.subnet} via ${route.gateway}, but neither the design nor MAAS has a subnet ${destination}`, p.network.source);
      }
    }
  }
  const needsDhcp = [...placements.values()].some((p) => p.network.ranges.some((r) => r.type === 'dhcp'));
  if (needsDhcp && state.racks.length === 0) {
    throw new DriverError('maas', 'NotFound', `the design has DHCP ranges but MAAS at ${client.apiUrl} has no rack controller to serve DHCP`, { target: client.apiUrl });
  }

  // Fabrics: one per link, named after it. A fabric MAAS discovered for one of the link's
  // subnets (e.g. fabric-0 holding the PXE subnet) is renamed rather than duplicated.
  const fabricByLink = new Map<string, MaasFabric>();
  for (const [linkName, members] of [...byLink.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    let fabric = state.fabrics.find((f) => f.name === linkName);
    if (!fabric) {
      const discovered = new Set(members.map((m) => subnetByCidr.get(normaliseCidr(m.network.cidr))?.vlan.fabric_id).filter((id): id is number => id !== undefined));
      if (discovered.size > 1) {
        throw designError(`the networks of NetworkLink ${linkName} already exist in MAAS on different fabrics (${[...discovered].join(', ')}); move them to one fabric first`);
      }
      const existing = discovered.size === 1 ? state.fabrics.find((f) => f.id === [...discovered][0]) : undefined;
      if (existing && !byLink.has(existing.name)) {
        fabric = await client.put<MaasFabric>(`fabrics/${existing.id}/`, { name: linkName }, ctx.signal);
        log.add(`renamed fabric ${existing.name} to ${linkName}`);
      } else {
        const made = await createOrFind(
          () => client.post<MaasFabric>('fabrics/', undefined, { name: linkName, description: `NetworkLink ${linkName}` }, ctx.signal),
          async () => (await client.get<MaasFabric[]>('fabrics/', undefined, ctx.signal)).find((f) => f.name === linkName),
        );
        fabric = made.object;
        log.add(made.created ? `created fabric ${linkName}` : `found fabric ${linkName}, created meanwhile by another run (MAAS refused the identical create)`);
      }
      // A fresh read gives the fabric's VLAN list (the untagged VLAN MAAS creates with it).
      fabric = await client.get<MaasFabric>(`fabrics/${fabric.id}/`, undefined, ctx.signal);
    }
    fabricByLink.set(linkName, fabric);
  }

  // VLANs and subnets.
  const domains = new Set(state.domains.map((d) => d.name));
  const designedSubnets = new Map<string, MaasSubnet>();
  for (const [linkName, members] of [...byLink.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const fabric = fabricByLink.get(linkName)!;
    const link = members[0].link;
    const vlans = new Map<number, MaasVlan>(fabric.vlans.map((v) => [v.vid, v]));
    const untagged = vlans.get(0);
    const untaggedNetwork = members.find((m) => m.vid === 0);
    // Without an untagged network the link's MTU still applies to the fabric's untagged VLAN.
    if (untagged && !untaggedNetwork && link.mtu !== undefined && untagged.mtu !== link.mtu) {
      vlans.set(0, await client.put<MaasVlan>(`fabrics/${fabric.id}/vlans/0/`, { mtu: link.mtu }, ctx.signal));
      log.add(`set MTU ${link.mtu} on the untagged VLAN of fabric ${linkName}`);
    }
    const dhcpVids = new Set(members.filter((m) => m.network.ranges.some((r) => r.type === 'dhcp')).map((m) => m.vid));
    for (const { network, vid } of members.sort((a, b) => a.network.name.localeCompare(b.network.name))) {
      const mtu = network.mtu ?? (vid === 0 ? link.mtu : undefined);
      let vlan = vlans.get(vid);
      if (!vlan) {
        const made = await createOrFind(
          () => client.post<MaasVlan>(`fabrics/${fabric.id}/vlans/`, undefined, { vid, name: network.name, mtu }, ctx.signal),
          async () => (await client.get<MaasFabric>(`fabrics/${fabric.id}/`, undefined, ctx.signal)).vlans.find((v) => v.vid === vid),
        );
        vlan = made.object;
        vlans.set(vid, vlan);
        log.add(made.created ? `created VLAN ${vid} (${network.name}) on fabric ${linkName}` : `found VLAN ${vid} on fabric ${linkName}, created meanwhile by another run`);
      } else {
        const update: Record<string, string | number> = {};
        if (vlan.name !== network.name) update.name = network.name;
        if (mtu !== undefined && vlan.mtu !== mtu) update.mtu = mtu;
        if (Object.keys(update).length > 0) {
          vlan = await client.put<MaasVlan>(`fabrics/${fabric.id}/vlans/${vid}/`, update, ctx.signal);
          vlans.set(vid, vlan);
          log.add(`updated VLAN ${vid} on fabric ${linkName}: ${Object.keys(update).join(', ')}`);
        }
      }

      if (network.dns.domain && !domains.has(network.dns.domain)) {
        const name = network.dns.domain;
        const made = await createOrFind(
          () => client.post<MaasDomain>('domains/', undefined, { name, authoritative: false }, ctx.signal),
          async () => (await client.get<MaasDomain[]>('domains/', undefined, ctx.signal)).find((d) => d.name === name),
        );
        domains.add(name);
        log.add(made.created ? `created DNS domain ${name}` : `found DNS domain ${name}, created meanwhile by another run`);
      }

      const cidr = normaliseCidr(network.cidr);
      const gateway = defaultGateway(network) ?? '';
      let subnet = subnetByCidr.get(cidr);
      if (!subnet) {
        const made = await createOrFind(
          () => client.post<MaasSubnet>('subnets/', undefined, { cidr, name: network.name, vlan: vlan!.id, gateway_ip: gateway || undefined, dns_servers: network.dns.servers.join(',') || undefined }, ctx.signal),
          async () => (await client.get<MaasSubnet[]>('subnets/', undefined, ctx.signal)).find((x) => normaliseCidr(x.cidr) === cidr),
        );
        subnet = made.object;
        log.add(made.created ? `created subnet ${cidr} (${network.name}) on VLAN ${vid} of fabric ${linkName}` : `found subnet ${cidr}, created meanwhile by another run`);
      } else {
        const update: Record<string, string | number> = {};
        if (subnet.vlan.id !== vlan.id) update.vlan = vlan.id;
        if (subnet.name !== network.name) update.name = network.name;
        if (!sameIp(subnet.gateway_ip || undefined, gateway || undefined)) update.gateway_ip = gateway;
        if (!sameList(subnet.dns_servers ?? [], network.dns.servers)) update.dns_servers = network.dns.servers.join(',');
        if (Object.keys(update).length > 0) {
          subnet = await client.put<MaasSubnet>(`subnets/${subnet.id}/`, update, ctx.signal);
          log.add(`updated subnet ${cidr}: ${Object.keys(update).join(', ')}`);
        }
      }
      subnetByCidr.set(cidr, subnet);
      designedSubnets.set(network.name, subnet);

      // IP ranges: exact (type, start, end) matches are kept.
      const wanted = desiredRanges(network);
      const current = state.ranges.filter((r) => r.subnet.id === subnet.id);
      for (const range of current) {
        const keep = wanted.some((w) => w.type === range.type && sameIp(w.start, range.start_ip) && sameIp(w.end, range.end_ip));
        if (!keep && range.comment.startsWith(RANGE_COMMENT_PREFIX)) {
          await client.delete(`ipranges/${range.id}/`, ctx.signal);
          log.add(`removed ${range.type} range ${range.start_ip}-${range.end_ip} from ${cidr}`);
        }
      }
      for (const w of wanted) {
        if (current.some((r) => r.type === w.type && sameIp(w.start, r.start_ip) && sameIp(w.end, r.end_ip))) continue;
        const subnetId = subnet.id;
        const made = await createOrFind(
          () => client.post<MaasIpRange>('ipranges/', undefined, { type: w.type, start_ip: w.start, end_ip: w.end, subnet: subnetId, comment: `${RANGE_COMMENT_PREFIX} network ${network.name}` }, ctx.signal),
          async () => (await client.get<MaasIpRange[]>('ipranges/', undefined, ctx.signal)).find((r) => r.subnet.id === subnetId && r.type === w.type && sameIp(w.start, r.start_ip) && sameIp(w.end, r.end_ip)),
        );
        log.add(made.created ? `added ${w.type} range ${w.start}-${w.end} to ${cidr}` : `found ${w.type} range ${w.start}-${w.end} on ${cidr}, added meanwhile by another run`);
      }

      // DHCP on the VLAN follows whether the network has a DHCP range.
      const wantDhcp = dhcpVids.has(vid);
      if (wantDhcp && wanted.some((w) => w.type === 'dynamic') && (!vlan.dhcp_on || !vlan.primary_rack)) {
        vlan = await client.put<MaasVlan>(`fabrics/${fabric.id}/vlans/${vid}/`, { dhcp_on: true, primary_rack: vlan.primary_rack ?? state.racks[0].system_id }, ctx.signal);
        vlans.set(vid, vlan);
        log.add(`enabled DHCP on VLAN ${vid} of fabric ${linkName} (rack controller ${vlan.primary_rack ?? state.racks[0].system_id})`);
      } else if (!wantDhcp && vlan.dhcp_on) {
        vlan = await client.put<MaasVlan>(`fabrics/${fabric.id}/vlans/${vid}/`, { dhcp_on: false }, ctx.signal);
        vlans.set(vid, vlan);
        log.add(`disabled DHCP on VLAN ${vid} of fabric ${linkName} (network ${network.name} has no DHCP range)`);
      }
    }
  }

  // Static routes between subnets (the default route is the subnet's gateway instead).
  for (const p of [...placements.values()].sort((a, b) => a.network.name.localeCompare(b.network.name))) {
    const source = designedSubnets.get(p.network.name)!;
    const wanted = p.network.routes.filter((r) => !['0.0.0.0/0', '::/0'].includes(normaliseCidr(r.subnet)));
    const current = state.routes.filter((r) => r.source.id === source.id);
    for (const route of current) {
      if (!wanted.some((w) => subnetByCidr.get(normaliseCidr(w.subnet))?.id === route.destination.id)) {
        await client.delete(`static-routes/${route.id}/`, ctx.signal);
        log.add(`removed static route ${source.cidr} -> ${route.destination.cidr}`);
      }
    }
    for (const w of wanted) {
      const destination = subnetByCidr.get(normaliseCidr(w.subnet))!;
      const existing = current.find((r) => r.destination.id === destination.id);
      if (!existing) {
        const made = await createOrFind(
          () => client.post<MaasStaticRoute>('static-routes/', undefined, { source: source.id, destination: destination.id, gateway_ip: w.gateway, metric: w.metric }, ctx.signal),
          async () => (await client.get<MaasStaticRoute[]>('static-routes/', undefined, ctx.signal)).find((r) => r.source.id === source.id && r.destination.id === destination.id),
        );
        log.add(made.created ? `added static route ${source.cidr} -> ${destination.cidr} via ${w.gateway}` : `found static route ${source.cidr} -> ${destination.cidr}, added meanwhile by another run`);
      } else if (!sameIp(existing.gateway_ip, w.gateway) || existing.metric !== w.metric) {
        await client.put<MaasStaticRoute>(`static-routes/${existing.id}/`, { gateway_ip: w.gateway, metric: w.metric }, ctx.signal);
        log.add(`updated static route ${source.cidr} -> ${destination.cidr}`);
      }
    }
  }

  return {
    changed: log.changed,
    message: log.summary(`site ${site.name} networks (${placements.size} networks on ${byLink.size} links)`, 'MAAS already matches the design'),
    details: { changes: log.changes.length, networks: placements.size, links: byLink.size },
  };
}

/**
 * A create that lost a race to an identical create (another run made the same object between
 * this run's read and its write, and MAAS answers HTTP 400 "... already exists"): re-read, and
 * carry on with the object found. Any other failure, or a 400 with no such object to be found,
 * stays the failure it was.
 */
export async function createOrFind<T>(create: () => Promise<T>, find: () => Promise<T | undefined>): Promise<{ object: T; created: boolean }> {
  try {
    return { object: await create(), created: true };
  } catch (err) {
    if (!(err instanceof DriverError) || err.kind !== 'InvalidRequest' || err.details.httpStatus !== 400) throw err;
    const found = await find();
    if (found === undefined) throw err;
    return { object: found, created: false };
  }
}

/** Reads what the per-node steps need: fabrics by name and subnets by CIDR. */
export async function readFabricsAndSubnets(session: MaasSession): Promise<{ fabrics: MaasFabric[]; subnets: MaasSubnet[] }> {
  const [fabrics, subnets] = await Promise.all([
    session.client.get<MaasFabric[]>('fabrics/', undefined, session.ctx.signal),
    session.client.get<MaasSubnet[]>('subnets/', undefined, session.ctx.signal),
  ]);
  return { fabrics, subnets };
}
