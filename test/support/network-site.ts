/**
 * A compiled site (built directly, as the design compiler would produce it) whose rack has the
 * lab switch as its top-of-rack switch, after Drydock's own full-site sample: a `pxe` link
 * without trunking for the PXE NIC, and a `gp` 802.1q trunk (default network mgmt) for the bond.
 */
import type { CompiledSite, NetworkModel, NodeInterfaceModel, NodeModel, TorSwitchModel } from '../../src/design/model';
import type { SiteContext } from '../../src/contracts/site-context';
import type { LabSwitch } from '../../lab/switch';

function net(name: string, cidr: string, vlan?: number): NetworkModel {
  return { name, cidr, vlan, routes: [], ranges: [], dns: { servers: [] }, labels: {} };
}

export function labTorSwitch(lab: LabSwitch, overrides: Partial<NonNullable<TorSwitchModel['ssh']>> = {}, name = 'leaf01'): TorSwitchModel {
  return {
    name,
    mgmtIp: lab.address,
    ssh: { port: lab.port, user: lab.user, key: `file:${lab.keyPath}`, hostKeyFingerprint: lab.hostKeyFingerprint, bridge: lab.bridge, ...overrides },
  };
}

export function labSite(torSwitch: TorSwitchModel): SiteContext {
  return {
    name: 'lab',
    region: {
      name: 'lab',
      tagDefinitions: [],
      authorizedKeys: [],
      repositories: { removeUnlisted: false, repos: {} },
      drivers: { network: { type: 'linux-bridge' } },
      labels: {},
    },
    networks: {
      pxe: net('pxe', '172.16.0.0/24'),
      mgmt: net('mgmt', '172.16.1.0/24', 100),
      private: net('private', '172.16.2.0/24', 101),
      public: net('public', '172.16.3.0/24', 102),
      untaggable: net('untaggable', '172.16.9.0/24'),
    },
    links: {
      pxe: { name: 'pxe', bonding: { mode: 'disabled' }, trunking: { mode: 'disabled', defaultNetwork: 'pxe' }, allowedNetworks: ['pxe'], labels: {} },
      gp: { name: 'gp', bonding: { mode: '802.3ad' }, trunking: { mode: '802.1q', defaultNetwork: 'mgmt' }, allowedNetworks: ['mgmt', 'private', 'public'], labels: {} },
      'gp-pxe': { name: 'gp-pxe', bonding: { mode: 'disabled' }, trunking: { mode: '802.1q', defaultNetwork: 'pxe' }, allowedNetworks: ['pxe', 'mgmt', 'private'], labels: {} },
    },
    racks: {
      rack1: { name: 'rack1', torSwitches: { [torSwitch.name]: torSwitch }, location: {}, localNetworks: [], labels: {} },
    },
    hardwareProfiles: {},
    bootActions: {},
  };
}

export function iface(name: string, deviceLink: string, networks: string[], ports: string[], switchName = 'leaf01'): NodeInterfaceModel {
  return { name, deviceLink, slaves: [], networks, labels: {}, switchPorts: ports.map((port) => ({ switch: switchName, port })) };
}

export function labNode(name: string, interfaces: NodeInterfaceModel[], addressing: NodeModel['addressing'] = [{ network: 'pxe', address: 'dhcp' }, { network: 'mgmt', address: '172.16.1.20' }]): NodeModel {
  return {
    name,
    site: 'lab',
    profiles: [],
    rack: 'rack1',
    tags: [],
    labels: {},
    oob: { type: 'manual', params: {} },
    interfaces,
    addressing,
    storage: { physicalDevices: [], volumeGroups: [] },
    platform: { kernelParams: {} },
    bootActions: [],
    source: { file: 'site/nodes.yaml', line: 12, column: 1 },
  };
}

/** The Drydock-sample node: PXE NIC on swp1, a two-port bond (swp2, swp3) trunking mgmt/private. */
export function sampleNode(name = 'compute01'): NodeModel {
  return labNode(name, [iface('pxe', 'pxe', ['pxe'], ['swp1']), iface('bond0', 'gp', ['mgmt', 'private'], ['swp2', 'swp3'])]);
}

export function compiledSite(site: SiteContext, nodes: NodeModel[]): CompiledSite {
  return { ...site, nodes };
}
