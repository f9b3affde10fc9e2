/**
 * Which switch ports belong to a node and which VLANs each should carry, from the compiled
 * design alone (pure: no I/O). The rules are documented in docs/network-driver.md:
 *
 * - A node interface's ports are its EXTENSION `switch_ports` ([{switch, port}]); the switch is a
 *   `tor_switches` entry of the node's rack (or, failing that, of exactly one other rack).
 * - Provisioning: the PXE network is the network the node addresses with `dhcp`. The ports of
 *   every interface that carries it untagged (its link does not trunk, or trunks with the PXE
 *   network as `default_network`) carry only that network, untagged. Other ports are left as
 *   they are.
 * - Production: every interface with ports: the link's `default_network` untagged (PVID), and,
 *   when the link trunks 802.1q, the interface's other networks tagged.
 * - A network's VLAN on the switch is its `vlan`; a network without one rides the bridge's
 *   default VLAN 1 when untagged and cannot be tagged.
 */
import type { NetworkModel, NodeInterfaceModel, NodeModel, TorSwitchModel } from '../../../design/model';
import { DriverError, type ErrorKind } from '../../errors';
import type { SiteContext } from '../../../contracts/site-context';
import type { SwitchEndpoint } from './ssh-session';

/** VLAN a network without `vlan` uses when carried untagged: the bridge's default PVID. */
export const DEFAULT_VLAN = 1;

/** Interface names as Linux allows them (IFNAMSIZ 16), minus anything a shell or an option
 * parser could read as more than a name: these reach a shell command on the switch. */
const INTERFACE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$/;

export function isValidInterfaceName(name: string): boolean {
  return INTERFACE_NAME.test(name) && name !== '.' && name !== '..';
}

export const INTERFACE_NAME_RULE = '1-15 characters of A-Z a-z 0-9 _ . -, not starting with - or .';

export interface VlanAssignment {
  network: string;
  vid: number;
}

export interface SwitchRef {
  name: string;
  rack: string;
  model: TorSwitchModel;
}

export interface PortTarget {
  switch: SwitchRef;
  port: string;
  /** The node interfaces cabled to this port (usually one). */
  interfaces: string[];
}

export interface DesiredPort extends PortTarget {
  untagged?: VlanAssignment;
  tagged: VlanAssignment[];
}

function where(node: NodeModel): string {
  return node.source ? `node ${node.name} (${node.source.file}:${node.source.line})` : `node ${node.name}`;
}

function designError(node: NodeModel, kind: ErrorKind, message: string, details: Record<string, string> = {}): DriverError {
  return new DriverError('switch', kind, message, { target: node.name, details: { node: node.name, ...details } });
}

/** Finds the switch an interface names: in the node's rack first, else in the one rack that has it. */
export function resolveSwitch(node: NodeModel, site: SiteContext, switchName: string, iface: string): SwitchRef {
  const ownRack = node.rack !== undefined ? site.racks[node.rack] : undefined;
  const own = ownRack?.torSwitches[switchName];
  if (ownRack && own) return { name: switchName, rack: ownRack.name, model: own };
  const elsewhere = Object.values(site.racks).filter((r) => r.torSwitches[switchName] !== undefined);
  if (elsewhere.length === 1) return { name: switchName, rack: elsewhere[0].name, model: elsewhere[0].torSwitches[switchName] };
  if (elsewhere.length > 1) {
    throw designError(node, 'InvalidRequest', `${where(node)} interface ${iface}: switch ${switchName} is in the tor_switches of several racks (${elsewhere.map((r) => r.name).join(', ')}) and not in the node's own rack; name a switch of rack ${node.rack ?? '(none)'}`, { interface: iface, switch: switchName });
  }
  const known = ownRack ? Object.keys(ownRack.torSwitches) : [];
  const rackText = ownRack ? `rack ${ownRack.name} (its tor_switches: ${known.length ? known.join(', ') : 'none'})` : node.rack ? `rack ${node.rack}, which the design does not define,` : 'any rack (the node names no rack)';
  throw designError(node, 'NotFound', `${where(node)} interface ${iface}: switch_ports names switch ${switchName}, which is not a tor_switch of ${rackText} nor of another rack`, { interface: iface, switch: switchName });
}

/** Every (switch, port) of the node, merged across interfaces, in design order. */
export function nodePorts(node: NodeModel, site: SiteContext, interfaces: NodeInterfaceModel[] = node.interfaces): PortTarget[] {
  const ports = new Map<string, PortTarget>();
  for (const iface of interfaces) {
    for (const sp of iface.switchPorts) {
      if (!isValidInterfaceName(sp.port)) {
        throw designError(node, 'InvalidRequest', `${where(node)} interface ${iface.name}: switch port ${JSON.stringify(sp.port)} on switch ${sp.switch} is not a valid port name (${INTERFACE_NAME_RULE})`, { interface: iface.name, switch: sp.switch });
      }
      const sw = resolveSwitch(node, site, sp.switch, iface.name);
      const key = `${sw.rack}/${sw.name}/${sp.port}`;
      const existing = ports.get(key);
      if (existing) {
        if (!existing.interfaces.includes(iface.name)) existing.interfaces.push(iface.name);
      } else {
        ports.set(key, { switch: sw, port: sp.port, interfaces: [iface.name] });
      }
    }
  }
  return [...ports.values()];
}

function network(node: NodeModel, site: SiteContext, name: string, iface: string): NetworkModel {
  const net = site.networks[name];
  if (!net) throw designError(node, 'InvalidRequest', `${where(node)} interface ${iface}: network ${name} is not defined in the design`, { interface: iface, network: name });
  return net;
}

function vidFor(node: NodeModel, net: NetworkModel, iface: string, tagged: boolean): number {
  if (net.vlan === undefined) {
    if (!tagged) return DEFAULT_VLAN;
    throw designError(node, 'InvalidRequest', `${where(node)} interface ${iface}: network ${net.name} has no vlan, so it cannot be carried tagged on the interface's 802.1q trunk; give Network ${net.name} a vlan or make it the link's default_network`, { interface: iface, network: net.name });
  }
  if (!Number.isInteger(net.vlan) || net.vlan < 1 || net.vlan > 4094) {
    throw designError(node, 'InvalidRequest', `network ${net.name} has vlan ${net.vlan}; a switch VLAN id is 1-4094`, { network: net.name });
  }
  return net.vlan;
}

/** The network the node addresses with dhcp: the one it PXE-boots on. */
export function pxeNetwork(node: NodeModel): string {
  const dhcp = [...new Set(node.addressing.filter((a) => a.address.toLowerCase() === 'dhcp').map((a) => a.network))];
  if (dhcp.length === 0) {
    throw designError(node, 'InvalidRequest', `${where(node)} has no network addressed with dhcp, so its PXE network is unknown; the provisioning port configuration carries the network the node boots from with dhcp`);
  }
  if (dhcp.length > 1) {
    throw designError(node, 'InvalidRequest', `${where(node)} addresses several networks with dhcp (${dhcp.join(', ')}); the PXE network must be the only one`);
  }
  return dhcp[0];
}

function linkOf(node: NodeModel, site: SiteContext, iface: NodeInterfaceModel) {
  if (iface.deviceLink === undefined) {
    throw designError(node, 'InvalidRequest', `${where(node)} interface ${iface.name} has switch_ports but no device_link; the link's trunking says which VLANs its ports carry`, { interface: iface.name });
  }
  const link = site.links[iface.deviceLink];
  if (!link) throw designError(node, 'InvalidRequest', `${where(node)} interface ${iface.name}: device_link ${iface.deviceLink} is not a NetworkLink of the design`, { interface: iface.name, link: iface.deviceLink });
  return link;
}

interface InterfaceVlans {
  untagged?: VlanAssignment;
  tagged: VlanAssignment[];
}

function mergeInto(node: NodeModel, site: SiteContext, desired: Map<string, DesiredPort>, iface: NodeInterfaceModel, vlans: InterfaceVlans): void {
  for (const target of nodePorts(node, site, [iface])) {
    const key = `${target.switch.rack}/${target.switch.name}/${target.port}`;
    const port = desired.get(key);
    if (!port) {
      desired.set(key, { ...target, untagged: vlans.untagged, tagged: [...vlans.tagged] });
      continue;
    }
    port.interfaces.push(iface.name);
    if (vlans.untagged) {
      if (port.untagged && port.untagged.vid !== vlans.untagged.vid) {
        throw designError(node, 'InvalidRequest', `${where(node)}: port ${target.port} of switch ${target.switch.name} is listed by interfaces ${port.interfaces.join(' and ')}, which want different untagged networks (${port.untagged.network}, ${vlans.untagged.network}); list the port under one interface`, { switch: target.switch.name, port: target.port });
      }
      port.untagged = vlans.untagged;
    }
    for (const t of vlans.tagged) if (!port.tagged.some((x) => x.vid === t.vid)) port.tagged.push(t);
  }
}

function checkConsistent(node: NodeModel, ports: DesiredPort[]): DesiredPort[] {
  for (const port of ports) {
    port.tagged.sort((a, b) => a.vid - b.vid);
    const clash = port.untagged && port.tagged.find((t) => t.vid === port.untagged?.vid);
    if (clash && port.untagged) {
      throw designError(node, 'InvalidRequest', `${where(node)}: port ${port.port} of switch ${port.switch.name} would carry VLAN ${clash.vid} both untagged (${port.untagged.network}) and tagged (${clash.network}); give the networks different vlans`, { switch: port.switch.name, port: port.port });
    }
    const byVid = new Map<number, string>();
    for (const t of port.tagged) {
      const other = byVid.get(t.vid);
      if (other !== undefined && other !== t.network) {
        throw designError(node, 'InvalidRequest', `${where(node)}: networks ${other} and ${t.network} both use vlan ${t.vid} on port ${port.port} of switch ${port.switch.name}`, { switch: port.switch.name, port: port.port });
      }
      byVid.set(t.vid, t.network);
    }
  }
  return ports;
}

/** Ports that carry the PXE network untagged, set to carry only it. */
export function provisioningPorts(node: NodeModel, site: SiteContext): DesiredPort[] {
  const pxe = pxeNetwork(node);
  const desired = new Map<string, DesiredPort>();
  for (const iface of node.interfaces) {
    if (iface.switchPorts.length === 0 || !iface.networks.includes(pxe)) continue;
    const link = linkOf(node, site, iface);
    const untaggedHere = link.trunking.mode === 'disabled' || link.trunking.defaultNetwork === pxe;
    if (!untaggedHere) continue;
    const net = network(node, site, pxe, iface.name);
    mergeInto(node, site, desired, iface, { untagged: { network: pxe, vid: vidFor(node, net, iface.name, false) }, tagged: [] });
  }
  if (desired.size === 0) {
    throw designError(node, 'InvalidRequest', `${where(node)}: no interface with switch_ports carries the PXE network ${pxe} untagged (on a link without trunking, or as the trunk's default_network), so there is no port to configure for provisioning`, { network: pxe });
  }
  return checkConsistent(node, [...desired.values()]);
}

/** Every port of the node, set to its interface's designed networks. */
export function productionPorts(node: NodeModel, site: SiteContext): DesiredPort[] {
  const desired = new Map<string, DesiredPort>();
  for (const iface of node.interfaces) {
    if (iface.switchPorts.length === 0) continue;
    const link = linkOf(node, site, iface);
    const vlans: InterfaceVlans = { tagged: [] };
    if (link.trunking.mode === '802.1q') {
      const defaultNet = link.trunking.defaultNetwork;
      if (defaultNet !== undefined) vlans.untagged = { network: defaultNet, vid: vidFor(node, network(node, site, defaultNet, iface.name), iface.name, false) };
      for (const name of iface.networks) {
        if (name === defaultNet) continue;
        vlans.tagged.push({ network: name, vid: vidFor(node, network(node, site, name, iface.name), iface.name, true) });
      }
    } else {
      const untagged = link.trunking.defaultNetwork ?? (iface.networks.length === 1 ? iface.networks[0] : undefined);
      if (untagged === undefined) {
        throw designError(node, 'InvalidRequest', `${where(node)} interface ${iface.name}: link ${link.name} does not trunk, but the interface has ${iface.networks.length === 0 ? 'no networks' : `several networks (${iface.networks.join(', ')})`} and the link no default_network; a port without trunking carries exactly one network`, { interface: iface.name, link: link.name });
      }
      vlans.untagged = { network: untagged, vid: vidFor(node, network(node, site, untagged, iface.name), iface.name, false) };
    }
    mergeInto(node, site, desired, iface, vlans);
  }
  if (desired.size === 0) throw designError(node, 'InvalidRequest', `${where(node)}: none of its interfaces lists switch_ports, so there is no port to configure`);
  return checkConsistent(node, [...desired.values()]);
}

/** How to reach a switch over SSH, from its design entry; InvalidRequest when the entry lacks what the linux-bridge driver needs. */
export function switchEndpoint(sw: SwitchRef): SwitchEndpoint {
  const ssh = sw.model.ssh;
  const at = `switch ${sw.name} (rack ${sw.rack})`;
  const fail = (message: string): DriverError =>
    new DriverError('switch', 'InvalidRequest', `${at}: ${message}`, { target: sw.name, details: { switch: sw.name, rack: sw.rack } });
  if (!ssh) throw fail(`the linux-bridge driver manages switches over SSH, but tor_switches.${sw.name} has no ssh settings (port, user, key, host_key_fingerprint or known_hosts, bridge)`);
  if (!sw.model.mgmtIp) throw fail(`tor_switches.${sw.name} has no mgmt_ip, the address drydock connects to`);
  if (!isValidInterfaceName(ssh.bridge)) throw fail(`bridge ${JSON.stringify(ssh.bridge)} is not a valid interface name (${INTERFACE_NAME_RULE})`);
  if (!Number.isInteger(ssh.port) || ssh.port < 1 || ssh.port > 65535) throw fail(`ssh port ${ssh.port} is not a TCP port`);
  return {
    name: sw.name,
    rack: sw.rack,
    address: sw.model.mgmtIp,
    port: ssh.port,
    user: ssh.user,
    keyReference: ssh.key,
    hostKeyFingerprint: ssh.hostKeyFingerprint,
    knownHostsPath: ssh.knownHosts,
    bridge: ssh.bridge,
  };
}
