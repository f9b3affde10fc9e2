/**
 * Generates a Drydock site design (Deckhand documents) of any size whose drivers are all `sim`:
 * for orchestration tests and the benchmark. Every node has a bonded, trunked interface with
 * switch ports, LVM storage, kernel parameters and a boot action, like a real site, so every
 * workflow step runs.
 */
export interface SimSiteOptions {
  site?: string;
  nodes: number;
  racks?: number;
  /** Latency of every sim driver action, in ms. */
  latencyMs?: number;
  /** Injected failures: `{ node, action, times?, retryable? }` for the node driver. */
  failures?: Array<{ node: string; action: string; times?: number; retryable?: boolean }>;
  /** Leave out these driver kinds (their steps are then skipped). */
  without?: Array<'node' | 'network' | 'kubernetes'>;
  /** One BMC address for every node (`oob.address`): all of them behind one endpoint, as behind
   * a chassis manager, so the cross-worker BMC lock applies. */
  oobAddress?: string;
}

export function simNodeName(index: number): string {
  return `node${String(index + 1).padStart(4, '0')}`;
}

export function simRackName(index: number): string {
  return `rack${String(index + 1).padStart(2, '0')}`;
}

function doc(kind: string, name: string, data: string): string {
  return `---\nschema: drydock/${kind}/v1\nmetadata:\n  schema: metadata/Document/v1\n  name: ${name}\ndata:\n${data.replace(/^/gm, '  ').trimEnd()}\n`;
}

export function simSiteDesign(options: SimSiteOptions): string {
  const site = options.site ?? 'simsite';
  const racks = Math.max(1, options.racks ?? Math.ceil(options.nodes / 50));
  const latency = options.latencyMs ?? 0;
  const without = new Set(options.without ?? []);
  const fail = options.failures?.length
    ? `\n    fail:\n${options.failures.map((f) => `      - node: ${f.node}\n        action: ${f.action}${f.times ? `\n        times: ${f.times}` : ''}${f.retryable ? '\n        retryable: true' : ''}`).join('\n')}`
    : '';
  const drivers = [
    without.has('node') ? '' : `  node:\n    type: sim\n    latency_ms: ${latency}${fail}`,
    without.has('network') ? '' : `  network:\n    type: sim\n    latency_ms: ${latency}`,
    without.has('kubernetes') ? '' : `  kubernetes:\n    type: sim\n    latency_ms: ${latency}`,
  ].filter(Boolean);
  const parts: string[] = [];
  parts.push(doc('Region', site, `authorized_keys:\n  - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFJ8uAkAMdS3b1zRqb+TUyFfO8n0Ve0K0O2xv1b6m0vF ops@example.com\n${drivers.length ? `drivers:\n${drivers.join('\n')}\n` : ''}`));
  parts.push(doc('NetworkLink', 'pxe', 'bonding:\n  mode: disabled\nmtu: 1500\nlinkspeed: auto\ntrunking:\n  mode: disabled\n  default_network: pxe\nallowed_networks:\n  - pxe\n'));
  parts.push(doc('NetworkLink', 'gp', 'bonding:\n  mode: 802.3ad\n  hash: layer3+4\n  peer_rate: fast\nmtu: 9000\nlinkspeed: auto\ntrunking:\n  mode: 802.1q\n  default_network: mgmt\nallowed_networks:\n  - mgmt\n  - private\n'));
  parts.push(doc('Network', 'pxe', 'cidr: 10.0.0.0/16\nmtu: 1500\nranges:\n  - type: dhcp\n    start: 10.0.0.10\n    end: 10.0.255.250\ndns:\n  domain: pxe.sim.example.com\n  servers: 10.0.0.2\n'));
  parts.push(doc('Network', 'mgmt', "vlan: '100'\nmtu: 9000\ncidr: 10.1.0.0/16\nranges:\n  - type: static\n    start: 10.1.0.10\n    end: 10.1.255.250\nroutes:\n  - subnet: 0.0.0.0/0\n    gateway: 10.1.0.1\n    metric: 10\ndns:\n  domain: mgmt.sim.example.com\n  servers: 10.1.0.2\n"));
  parts.push(doc('Network', 'private', "vlan: '101'\nmtu: 9000\ncidr: 10.2.0.0/16\nranges:\n  - type: static\n    start: 10.2.0.10\n    end: 10.2.255.250\ndns:\n  domain: priv.sim.example.com\n  servers: 10.2.0.2\n"));
  for (let r = 0; r < racks; r++) {
    parts.push(doc('Rack', simRackName(r), `tor_switches:\n  leaf${r + 1}:\n    mgmt_ip: 10.255.${r}.1\nlocation:\n  grid: G${r + 1}\nlocal_networks:\n  - pxe\n`));
  }
  parts.push(
    doc(
      'HardwareProfile',
      'simserver',
      "vendor: SimCorp\ngeneration: '1'\nhw_version: '1'\nbios_version: '1.0'\nboot_mode: bios\nbootstrap_protocol: pxe\npxe_interface: 0\ndevice_aliases:\n  nic_pxe:\n    address: '0000:00:03.0'\n    dev_type: 'sim nic'\n    bus_type: pci\n  nic_a:\n    address: '0000:00:04.0'\n    dev_type: 'sim nic'\n    bus_type: pci\n  nic_b:\n    address: '0000:00:05.0'\n    dev_type: 'sim nic'\n    bus_type: pci\n  rootdisk:\n    address: '2:0.0.0'\n    dev_type: 'sim disk'\n    bus_type: scsi\ncpu_sets:\n  pinned: '2-7'\nhugepages:\n  dpdk:\n    size: '1G'\n    count: 16\n",
    ),
  );
  parts.push(
    doc(
      'HostProfile',
      'sim-node',
      `hardware_profile: simserver\nprimary_network: mgmt\noob:\n  type: sim\n  network: pxe\n${options.oobAddress ? `  address: ${options.oobAddress}\n` : ''}  account: admin\n  credential: env:SIM_BMC_PASSWORD\n  latency_ms: ${latency}\ninterfaces:\n  pxe:\n    device_link: pxe\n    slaves:\n      - nic_pxe\n    networks:\n      - pxe\n  bond0:\n    device_link: gp\n    slaves:\n      - nic_a\n      - nic_b\n    networks:\n      - mgmt\n      - private\nstorage:\n  physical_devices:\n    rootdisk:\n      labels:\n        role: rootdisk\n      partitions:\n        - name: root\n          size: 30g\n          bootable: true\n          filesystem:\n            mountpoint: '/'\n            fstype: ext4\n            mount_options: defaults\n        - name: boot\n          size: 1g\n          filesystem:\n            mountpoint: '/boot'\n            fstype: ext4\n            mount_options: defaults\n        - name: lvm\n          size: 100g\n          volume_group: data\n  volume_groups:\n    data:\n      logical_volumes:\n        - name: varlog\n          size: 20g\n          filesystem:\n            mountpoint: '/var/log'\n            fstype: xfs\n            mount_options: defaults\nplatform:\n  image: jammy\n  kernel: ga-22.04\n  kernel_params:\n    console: ttyS1\n    isolcpus: hardwareprofile:cpuset.pinned\n    hugepagesz: hardwareprofile:hugepages.dpdk.size\n    hugepages: hardwareprofile:hugepages.dpdk.count\nmetadata:\n  owner_data:\n    role: compute\n`,
    ),
  );
  parts.push(doc('BootAction', 'packages', "signaling: false\nassets:\n  - type: pkg_list\n    data:\n      chrony: null\n      lldpd: null\n"));
  for (let i = 0; i < options.nodes; i++) {
    const name = simNodeName(i);
    const rack = i % racks;
    const host = Math.floor(i / racks);
    const ip = `${Math.floor(host / 250) + rack * 4}.${(host % 250) + 2}`;
    parts.push(
      doc(
        'BaremetalNode',
        name,
        `host_profile: sim-node\ninterfaces:\n  bond0:\n    switch_ports:\n      - switch: leaf${rack + 1}\n        port: swp${host + 1}\naddressing:\n  - network: pxe\n    address: dhcp\n  - network: mgmt\n    address: 10.1.${ip}\n  - network: private\n    address: 10.2.${ip}\nmetadata:\n  rack: ${simRackName(rack)}\n  owner_data:\n    role: compute\n    rack: ${simRackName(rack)}\n`,
      ),
    );
  }
  return parts.join('');
}
