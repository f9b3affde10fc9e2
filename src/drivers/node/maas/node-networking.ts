import type { NodeInterfaceModel, NodeModel } from '../../../design/model';
import type { ActionOutcome } from '../../context';
import type { SiteContext } from '../../../contracts/site-context';
import { cidrContains, normaliseCidr, sameIp } from '../../../design/ip';
import { withKernelDeviceNames } from './device-names';
import { checkEditable, readMachine, requireMachine } from './machines';
import { editableNetworkStates, regionRelease } from './versions';
import { ChangeLog, MaasSession, nodeError } from './session';
import { readFabricsAndSubnets } from './site-network';
import type { MaasFabric, MaasInterface, MaasLink, MaasMachine, MaasSubnet, MaasVlan } from './types';

/**
 * ApplyNodeNetworking: the node's interfaces as the design has them, declaratively.
 *
 * Desired state, per design interface on NetworkLink L (fabric L in MAAS):
 *   - one slave and bonding disabled: that physical interface; several slaves and bonding on: a
 *     bond named after the design interface with those parents and L's bonding settings;
 *   - its untagged VLAN is the VLAN of L's native network (trunking default network, or the only
 *     network of a non-trunked link), else the fabric's untagged VLAN;
 *   - the native network is linked on the interface itself, every other network on a VLAN
 *     sub-interface with the network's tag;
 *   - each link is STATIC with the node's address on that network, DHCP for `dhcp`, or LINK_UP
 *     when the node has no address there; the primary network's link carries the default gateway.
 * Interfaces the design does not mention keep no addresses. The step reads the machine, plans,
 * checks the whole plan against MAAS (missing interfaces, fabrics, subnets) before any write, and
 * then changes only what differs: links already right are never re-linked.
 */
interface DesiredLink {
  network: string;
  subnet: MaasSubnet;
  mode: 'static' | 'dhcp' | 'link_up';
  ip?: string;
  defaultGateway: boolean;
}

interface DesiredInterface {
  /** Design interface it comes from, for messages. */
  design: string;
  kind: 'physical' | 'bond' | 'vlan';
  /** physical/bond: the MAAS interface name; vlan: derived `<parent>.<vid>`. */
  name: string;
  /** bond: slave names; vlan: [parent name]. */
  parents: string[];
  vlan: MaasVlan;
  mtu?: number;
  bond?: Record<string, string | number>;
  links: DesiredLink[];
}

function bondParams(iface: NodeInterfaceModel, site: SiteContext): Record<string, string | number> {
  const bonding = site.links[iface.deviceLink!].bonding;
  const params: Record<string, string | number> = { bond_mode: bonding.mode };
  if (bonding.monRate !== undefined) params.bond_miimon = bonding.monRate;
  if (bonding.upDelay !== undefined) params.bond_updelay = bonding.upDelay;
  if (bonding.downDelay !== undefined) params.bond_downdelay = bonding.downDelay;
  if (bonding.peerRate !== undefined) params.bond_lacp_rate = bonding.peerRate;
  if (bonding.hash !== undefined) params.bond_xmit_hash_policy = bonding.hash;
  return params;
}

function vlanName(parent: string, vid: number): string {
  return `${parent}.${vid}`;
}

/** Builds the desired interfaces; throws (before any change) when the design and MAAS disagree. */
export function planNodeNetworking(node: NodeModel, site: SiteContext, machine: MaasMachine, fabrics: MaasFabric[], subnets: MaasSubnet[]): DesiredInterface[] {
  const subnetByCidr = new Map(subnets.map((s) => [normaliseCidr(s.cidr), s]));
  const physical = new Map(machine.interface_set.filter((i) => i.type === 'physical').map((i) => [i.name, i]));
  const addresses = new Map(node.addressing.map((a) => [a.network, a.address]));
  const desired: DesiredInterface[] = [];
  const carried = new Set<string>();

  const subnetFor = (network: string, ifaceName: string): MaasSubnet => {
    const model = site.networks[network];
    if (!model) throw nodeError(node, 'InvalidRequest', `interface ${ifaceName} is attached to network ${network}, which the design does not define`);
    const subnet = subnetByCidr.get(normaliseCidr(model.cidr));
    if (!subnet) throw nodeError(node, 'NotFound', `network ${network} (${model.cidr}) has no subnet in MAAS; run CreateNetworkTemplate first`, { network });
    return subnet;
  };

  const linkFor = (network: string, subnet: MaasSubnet, ifaceName: string): DesiredLink => {
    const address = addresses.get(network);
    if (address === undefined) return { network, subnet, mode: 'link_up', defaultGateway: false };
    if (address.toLowerCase() === 'dhcp') return { network, subnet, mode: 'dhcp', defaultGateway: false };
    if (!cidrContains(subnet.cidr, address)) {
      throw nodeError(node, 'InvalidRequest', `address ${address} on network ${network} (interface ${ifaceName}) is not inside ${subnet.cidr}`, { network });
    }
    return { network, subnet, mode: 'static', ip: address, defaultGateway: node.primaryNetwork === network && !!subnet.gateway_ip };
  };

  for (const iface of node.interfaces) {
    if (!iface.deviceLink) throw nodeError(node, 'InvalidRequest', `interface ${iface.name} has no device_link; every interface needs a NetworkLink`);
    const link = site.links[iface.deviceLink];
    if (!link) throw nodeError(node, 'InvalidRequest', `interface ${iface.name} uses NetworkLink ${iface.deviceLink}, which the design does not define`);
    const fabric = fabrics.find((f) => f.name === link.name);
    if (!fabric) {
      throw nodeError(node, 'NotFound', `interface ${iface.name} uses NetworkLink ${link.name}, but MAAS has no fabric named ${link.name}; run CreateNetworkTemplate first`, {
        fabric: link.name,
      });
    }
    const slaves = iface.slaves.map((s) => s.name);
    for (const slave of slaves) {
      if (!physical.has(slave)) {
        throw nodeError(
          node,
          'NotFound',
          `interface ${iface.name} uses device ${slave}, but MAAS machine ${machine.system_id} has no interface named ${slave} (it has ${[...physical.keys()].sort().join(', ') || 'none'})`,
          { interface: slave, machine: machine.system_id },
        );
      }
    }
    const bonded = link.bonding.mode !== 'disabled';
    if (bonded && slaves.length < 2) throw nodeError(node, 'InvalidRequest', `interface ${iface.name} is on bonded link ${link.name} but has ${slaves.length} slave(s); a bond needs two or more`);
    if (!bonded && slaves.length !== 1) {
      throw nodeError(node, 'InvalidRequest', `interface ${iface.name} is on link ${link.name} (bonding disabled) but has ${slaves.length} slaves; without bonding an interface has exactly one`);
    }

    for (const network of iface.networks) {
      if (!link.allowedNetworks.includes(network)) throw nodeError(node, 'InvalidRequest', `interface ${iface.name} carries network ${network}, which NetworkLink ${link.name} does not allow`);
    }
    const trunked = link.trunking.mode === '802.1q';
    if (!trunked && iface.networks.length > 1) {
      throw nodeError(node, 'InvalidRequest', `interface ${iface.name} carries networks ${iface.networks.join(', ')} on link ${link.name}, which is not trunked: it carries one network`);
    }
    const native = trunked ? link.trunking.defaultNetwork : iface.networks[0];
    let baseVlan = fabric.vlans.find((v) => v.vid === 0);
    if (native && iface.networks.includes(native)) baseVlan = subnetFor(native, iface.name).vlan;
    else if (native && trunked && site.networks[native]) {
      const nativeSubnet = subnetByCidr.get(normaliseCidr(site.networks[native].cidr));
      if (nativeSubnet) baseVlan = nativeSubnet.vlan;
    }
    if (!baseVlan) throw nodeError(node, 'NotFound', `MAAS fabric ${fabric.name} has no untagged VLAN`);
    if (baseVlan.fabric_id !== fabric.id) {
      throw nodeError(node, 'InvalidRequest', `the subnet of network ${native} is on MAAS fabric ${baseVlan.fabric}, not on fabric ${fabric.name} of link ${link.name}; run CreateNetworkTemplate`);
    }

    const base: DesiredInterface = {
      design: iface.name,
      kind: bonded ? 'bond' : 'physical',
      name: bonded ? iface.name : slaves[0],
      parents: bonded ? slaves : [],
      vlan: baseVlan,
      mtu: link.mtu,
      bond: bonded ? bondParams(iface, site) : undefined,
      links: [],
    };
    desired.push(base);

    for (const network of iface.networks) {
      carried.add(network);
      const subnet = subnetFor(network, iface.name);
      if (subnet.vlan.fabric_id !== fabric.id) {
        throw nodeError(node, 'InvalidRequest', `network ${network} is on MAAS fabric ${subnet.vlan.fabric}, but interface ${iface.name} is on link ${link.name}; run CreateNetworkTemplate`);
      }
      if (network === native) {
        base.links.push(linkFor(network, subnet, iface.name));
        continue;
      }
      const vid = site.networks[network].vlan;
      if (vid === undefined) throw nodeError(node, 'InvalidRequest', `network ${network} has no VLAN tag, so interface ${iface.name} can only carry it as its native (untagged) network`);
      if (subnet.vlan.vid !== vid) {
        throw nodeError(node, 'InvalidRequest', `network ${network} is tagged ${vid} in the design but its MAAS subnet is on VLAN ${subnet.vlan.vid}; run CreateNetworkTemplate`);
      }
      desired.push({
        design: iface.name,
        kind: 'vlan',
        name: vlanName(base.name, vid),
        parents: [base.name],
        vlan: subnet.vlan,
        mtu: site.networks[network].mtu,
        links: [linkFor(network, subnet, iface.name)],
      });
    }
  }

  for (const { network } of node.addressing) {
    if (!carried.has(network)) throw nodeError(node, 'InvalidRequest', `the node has an address on network ${network}, but none of its interfaces carries that network`);
  }
  const names = new Set<string>();
  for (const d of desired) {
    if (names.has(d.name)) throw nodeError(node, 'InvalidRequest', `two design interfaces map to MAAS interface ${d.name}`);
    names.add(d.name);
  }
  for (const d of desired.filter((x) => x.kind === 'bond')) {
    if (physical.has(d.name)) throw nodeError(node, 'InvalidRequest', `bond ${d.name} has the name of a physical interface of the machine`);
    for (const p of d.parents) {
      if (desired.some((x) => x.kind === 'physical' && x.name === p)) throw nodeError(node, 'InvalidRequest', `device ${p} is a slave of bond ${d.name} and an interface of its own`);
    }
  }
  return desired;
}

function linkMatches(current: MaasLink, wanted: DesiredLink): boolean {
  if (!current.subnet || current.subnet.id !== wanted.subnet.id) return false;
  if (current.mode !== wanted.mode) return false;
  return wanted.mode !== 'static' || sameIp(current.ip_address, wanted.ip);
}

/** Links that carry an address or a DHCP lease. LINK_UP links are left to MAAS: it keeps at
 * most one per interface, re-creates one whenever an interface loses its last link, and drops it
 * when an address is linked, so unlinking one would never settle. */
function addressLinks(iface: MaasInterface): MaasLink[] {
  return iface.links.filter((l) => l.mode !== 'link_up');
}

function bondDiffers(current: MaasInterface, wanted: DesiredInterface): string[] {
  const params = typeof current.params === 'object' && current.params ? current.params : {};
  const text = (v: unknown) => (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : '');
  return Object.entries(wanted.bond ?? {})
    .filter(([key, value]) => text(params[key]) !== String(value))
    .map(([key]) => key);
}

export async function applyNodeNetworking(session: MaasSession, node: NodeModel, site: SiteContext): Promise<ActionOutcome> {
  const { client, ctx } = session;
  const found = await requireMachine(session, node);
  // MAAS 3.0-3.3 refuse interface edits on New machines; 3.4 and later allow them.
  const editable = editableNetworkStates(await regionRelease(client, ctx.signal));
  if (checkEditable(node, found, editable, 'networking') === 'deployed') {
    return { changed: false, message: `node ${node.name}: MAAS machine ${found.system_id} is ${found.status_name}; its networking is applied at deployment (DestroyNode first to change it)` };
  }
  const systemId = found.system_id;
  const { fabrics, subnets } = await readFabricsAndSubnets(session);
  const desired = planNodeNetworking(await withKernelDeviceNames(session, node, systemId), site, found, fabrics, subnets);
  const log = new ChangeLog(ctx);
  const base = `nodes/${encodeURIComponent(systemId)}/interfaces/`;

  let ifaces = (await readMachine(session, systemId)).interface_set;
  const byName = (name: string) => ifaces.find((i) => i.name === name);
  const refresh = async () => {
    ifaces = await client.get<MaasInterface[]>(base, undefined, ctx.signal);
  };
  const desiredVlan = (i: MaasInterface) => desired.find((d) => d.kind === 'vlan' && i.type === 'vlan' && i.parents[0] === d.parents[0] && i.vlan?.id === d.vlan.id);
  const desiredFor = (i: MaasInterface) => (i.type === 'vlan' ? desiredVlan(i) : desired.find((d) => d.kind === i.type && d.name === i.name));

  // 1. VLAN sub-interfaces and bonds that should not exist (or a bond with other parents).
  for (const iface of ifaces.filter((i) => i.type === 'vlan' && !desiredVlan(i))) {
    await client.delete(`${base}${iface.id}/`, ctx.signal);
    log.add(`deleted VLAN interface ${iface.name}`);
  }
  await refresh();
  for (const iface of ifaces.filter((i) => i.type === 'bond')) {
    const wanted = desired.find((d) => d.kind === 'bond' && d.name === iface.name);
    const sameParents = wanted && [...wanted.parents].sort().join(',') === [...iface.parents].sort().join(',');
    if (wanted && sameParents) continue;
    for (const child of ifaces.filter((i) => i.parents.includes(iface.name))) {
      await client.delete(`${base}${child.id}/`, ctx.signal);
      log.add(`deleted interface ${child.name} (child of bond ${iface.name})`);
    }
    await client.delete(`${base}${iface.id}/`, ctx.signal);
    log.add(wanted ? `deleted bond ${iface.name} (its slaves differ from the design)` : `deleted bond ${iface.name}`);
  }
  await refresh();

  // 2. Addresses that should not be there: every address link not in the desired set, including
  // all of interfaces the design does not use and of future bond slaves.
  for (const iface of ifaces) {
    const wanted = desiredFor(iface);
    for (const link of addressLinks(iface)) {
      if (wanted?.links.some((w) => linkMatches(link, w))) continue;
      await client.post<MaasInterface>(`${base}${iface.id}/`, 'unlink_subnet', { id: link.id }, ctx.signal);
      log.add(`unlinked ${iface.name} from ${link.subnet?.cidr ?? 'its subnet'} (${link.mode}${link.ip_address ? ` ${link.ip_address}` : ''})`);
    }
  }
  await refresh();

  // 3. Bonds, then the interfaces' untagged VLAN, MTU and bond settings.
  for (const wanted of desired.filter((d) => d.kind === 'bond')) {
    if (byName(wanted.name)) continue;
    const parents = wanted.parents.map((p) => byName(p)!.id);
    await client.post<MaasInterface>(base, 'create_bond', { name: wanted.name, parents, vlan: wanted.vlan.id, mtu: wanted.mtu, ...wanted.bond }, ctx.signal);
    log.add(`created bond ${wanted.name} of ${wanted.parents.join(', ')}`);
    await refresh();
  }
  for (const wanted of desired.filter((d) => d.kind !== 'vlan')) {
    const current = byName(wanted.name)!;
    const update: Record<string, string | number> = {};
    if (current.vlan?.id !== wanted.vlan.id) update.vlan = wanted.vlan.id;
    if (wanted.mtu !== undefined && current.effective_mtu !== wanted.mtu) update.mtu = wanted.mtu;
    if (wanted.kind === 'bond') for (const key of bondDiffers(current, wanted)) update[key] = wanted.bond![key];
    if (Object.keys(update).length === 0) continue;
    await client.put<MaasInterface>(`${base}${current.id}/`, update, ctx.signal);
    log.add(`updated interface ${wanted.name}: ${Object.keys(update).join(', ')}`);
  }
  // A bond's slaves follow the bond's VLAN in MAAS; nothing else to set on them.
  await refresh();

  // 4. VLAN sub-interfaces.
  for (const wanted of desired.filter((d) => d.kind === 'vlan')) {
    const existing = ifaces.find((i) => desiredVlan(i) === wanted);
    if (existing) {
      if (wanted.mtu !== undefined && existing.effective_mtu !== wanted.mtu) {
        await client.put<MaasInterface>(`${base}${existing.id}/`, { mtu: wanted.mtu }, ctx.signal);
        log.add(`set MTU ${wanted.mtu} on ${existing.name}`);
      }
      continue;
    }
    const parent = byName(wanted.parents[0])!;
    await client.post<MaasInterface>(base, 'create_vlan', { vlan: wanted.vlan.id, parent: parent.id, mtu: wanted.mtu }, ctx.signal);
    log.add(`created VLAN interface ${wanted.name} (VLAN ${wanted.vlan.vid} on ${parent.name})`);
  }
  await refresh();

  // 5. Links that are missing.
  for (const wanted of desired) {
    const current = wanted.kind === 'vlan' ? ifaces.find((i) => desiredVlan(i) === wanted)! : byName(wanted.name)!;
    for (const link of wanted.links) {
      if (current.links.some((l) => linkMatches(l, link))) continue;
      await client.post<MaasInterface>(
        `${base}${current.id}/`,
        'link_subnet',
        { mode: link.mode.toUpperCase(), subnet: link.subnet.id, ip_address: link.ip, default_gateway: link.defaultGateway ? true : undefined },
        ctx.signal,
      );
      log.add(`linked ${current.name} to ${link.subnet.cidr} (${link.mode}${link.ip ? ` ${link.ip}` : ''}${link.defaultGateway ? ', default gateway' : ''})`);
    }
  }

  // 6. The default gateway, when the primary network's link exists but is not the gateway.
  const gatewayLink = desired.flatMap((d) => d.links.map((l) => ({ d, l }))).find(({ l }) => l.defaultGateway);
  if (gatewayLink) {
    const machine = await readMachine(session, systemId);
    ifaces = machine.interface_set;
    const iface = gatewayLink.d.kind === 'vlan' ? ifaces.find((i) => desiredVlan(i) === gatewayLink.d) : byName(gatewayLink.d.name);
    const link = iface?.links.find((l) => linkMatches(l, gatewayLink.l));
    const currentGateway = machine.default_gateways?.ipv4;
    if (iface && link && currentGateway && currentGateway.link_id !== link.id) {
      await client.post<MaasInterface>(`${base}${iface.id}/`, 'set_default_gateway', { link_id: link.id }, ctx.signal);
      log.add(`made ${iface.name} (${gatewayLink.l.subnet.cidr}) the default gateway`);
    }
  }

  return {
    changed: log.changed,
    message: log.summary(`node ${node.name} networking (MAAS machine ${systemId})`, 'every interface already matches the design'),
    details: { machine: systemId, changes: log.changes.length, interfaces: desired.length },
  };
}
