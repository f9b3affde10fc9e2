/**
 * Benchmark of the design pipeline: generates Deckhand designs of 100, 1,000 and 5,000 nodes
 * across 20 racks (three-level host profile chain, four addresses and two interfaces per node,
 * rack-filtered boot actions) and times load (YAML + schemas), compile (inheritance, boot-action
 * targets) and validate (every rule). The target is under 2 s for 1,000 nodes, growing linearly.
 *
 *   npm run bench:design              sizes 100, 1000, 5000
 *   npm run bench:design -- 2000 8000 other sizes
 */
import { performance } from 'node:perf_hooks';
import { stringify } from 'yaml';
import { compileDesign, loadDesign, validateDesign } from '../src/design';

const RACKS = 20;

function doc(kind: string, name: string, data: unknown): string {
  return `---\n${stringify({ schema: `drydock/${kind}/v1`, metadata: { schema: 'metadata/Document/v1', name, storagePolicy: 'cleartext' }, data }, { version: '1.1' })}`;
}

export function generateDesign(nodes: number): string {
  const parts: string[] = [];
  parts.push(doc('Region', 'bench', { authorized_keys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBench bench'], repositories: { remove_unlisted: false } }));
  parts.push(doc('NetworkLink', 'pxe', { bonding: { mode: 'disabled' }, mtu: 1500, trunking: { mode: 'disabled', default_network: 'pxe' }, allowed_networks: ['pxe'] }));
  parts.push(doc('NetworkLink', 'oob', { bonding: { mode: 'disabled' }, mtu: 1500, trunking: { mode: 'disabled', default_network: 'oob' }, allowed_networks: ['oob'] }));
  parts.push(doc('NetworkLink', 'gp', { bonding: { mode: '802.3ad', hash: 'layer3+4', peer_rate: 'fast' }, mtu: 9000, trunking: { mode: '802.1q', default_network: 'mgmt' }, allowed_networks: ['mgmt', 'storage'] }));
  parts.push(doc('Network', 'pxe', { cidr: '10.0.0.0/16', mtu: 1500, ranges: [{ type: 'dhcp', start: '10.0.0.10', end: '10.0.255.200' }], dns: { domain: 'pxe.bench.example', servers: '10.0.0.2' } }));
  parts.push(doc('Network', 'mgmt', { cidr: '10.1.0.0/16', vlan: '100', mtu: 1500, routes: [{ subnet: '0.0.0.0/0', gateway: '10.1.0.1', metric: 10 }], dns: { domain: 'mgmt.bench.example', servers: '10.1.0.2' } }));
  parts.push(doc('Network', 'storage', { cidr: '10.2.0.0/16', vlan: '200', mtu: 9000 }));
  parts.push(doc('Network', 'oob', { cidr: '10.3.0.0/16' }));
  for (let r = 1; r <= RACKS; r++) {
    parts.push(doc('Rack', `rack${r}`, { tor_switches: { [`leaf${r}`]: { mgmt_ip: `10.3.255.${r}` } }, location: { grid: `G${r}` }, labels: { row: String(Math.ceil(r / 5)) } }));
  }
  parts.push(
    doc('HardwareProfile', 'r640', {
      vendor: 'Dell',
      boot_mode: 'uefi',
      bootstrap_protocol: 'pxe',
      pxe_interface: 0,
      device_aliases: { nic1: { address: '0000:3b:00.0', bus_type: 'pci' }, nic2: { address: '0000:3b:00.1', bus_type: 'pci' }, disk1: { address: '0:2:0:0', bus_type: 'scsi' } },
      cpu_sets: { pinned: '4-31' },
      hugepages: { dpdk: { size: '1G', count: 32 } },
    }),
  );
  parts.push(
    doc('HostProfile', 'global', {
      hardware_profile: 'r640',
      oob: { type: 'ipmi', network: 'oob', account: 'admin', credential: 'env:BMC_PASSWORD' },
      primary_network: 'mgmt',
      storage: {
        physical_devices: {
          disk1: {
            partitions: [
              { name: 'root', size: '50g', bootable: true, filesystem: { mountpoint: '/', fstype: 'ext4' } },
              { name: 'boot', size: '1g', filesystem: { mountpoint: '/boot', fstype: 'ext4' } },
              { name: 'var', size: '>100g', filesystem: { mountpoint: '/var', fstype: 'xfs' } },
            ],
          },
          sdb: { volume_group: 'data' },
        },
        volume_groups: { data: { logical_volumes: [{ name: 'log', size: '40%', filesystem: { mountpoint: '/var/log', fstype: 'xfs' } }] } },
      },
      platform: { image: 'jammy', kernel: 'ga-22.04', kernel_params: { console: 'ttyS1,115200', quiet: true } },
      metadata: { tags: ['bench'], owner_data: { site: 'bench' } },
    }),
  );
  parts.push(
    doc('HostProfile', 'compute', {
      host_profile: 'global',
      interfaces: {
        pxe: { device_link: 'pxe', slaves: ['nic1'], networks: ['pxe'] },
        bond0: { device_link: 'gp', slaves: ['nic1', 'nic2'], networks: ['mgmt', 'storage'], sriov: { vf_count: 8, trustedmode: false } },
      },
      platform: { kernel_params: { hugepagesz: 'hardwareprofile:hugepages.dpdk.size', hugepages: 'hardwareprofile:hugepages.dpdk.count', isolcpus: 'hardwareprofile:cpuset.pinned' } },
      metadata: { owner_data: { role: 'compute' } },
    }),
  );
  parts.push(doc('HostProfile', 'compute-big', { host_profile: 'compute', storage: { volume_groups: { data: { logical_volumes: [{ name: 'log', size: '20%' }, { name: 'srv', size: '60%', filesystem: { mountpoint: '/srv' } }] } } } }));
  parts.push(doc('BootAction', 'motd', { signaling: false, assets: [{ path: '/etc/motd', type: 'file', permissions: '0644', data: 'hello', data_pipeline: ['utf8_decode'] }] }));
  parts.push(
    doc('BootAction', 'row1-packages', {
      node_filter: { filter_set_type: 'union', filter_set: [{ filter_type: 'intersection', rack_labels: { row: '1' }, node_labels: { role: 'compute' } }] },
      assets: [{ type: 'pkg_list', data: { curl: null, jq: '1.6-2.1ubuntu3' } }],
    }),
  );
  for (let i = 0; i < nodes; i++) {
    const hi = Math.floor(i / 250) + 1;
    const lo = (i % 250) + 2;
    parts.push(
      doc('BaremetalNode', `node${String(i).padStart(5, '0')}`, {
        host_profile: i % 10 === 0 ? 'compute-big' : 'compute',
        addressing: [
          { network: 'pxe', address: 'dhcp' },
          { network: 'mgmt', address: `10.1.${hi}.${lo}` },
          { network: 'storage', address: `10.2.${hi}.${lo}` },
          { network: 'oob', address: `10.3.${hi}.${lo}` },
        ],
        metadata: { rack: `rack${(i % RACKS) + 1}`, boot_mac: `52:54:00:${hex(i >> 16)}:${hex((i >> 8) & 255)}:${hex(i & 255)}` },
        ...(i % 7 === 0 ? { interfaces: { bond0: { networks: ['!storage'] } } } : {}),
      }),
    );
  }
  return parts.join('');
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}

interface Timing {
  load: number;
  compile: number;
  validate: number;
}

function runOnce(text: string): { timing: Timing; findings: number; errors: number; nodes: number } {
  const t0 = performance.now();
  const loaded = loadDesign([{ name: 'bench.yaml', text }]);
  const t1 = performance.now();
  const compiled = compileDesign(loaded);
  const t2 = performance.now();
  const findings = [...loaded.findings, ...compiled.findings, ...validateDesign(compiled, { availableImages: { images: ['jammy'], kernels: ['ga-22.04'] } })];
  const t3 = performance.now();
  return { timing: { load: t1 - t0, compile: t2 - t1, validate: t3 - t2 }, findings: findings.length, errors: findings.filter((f) => f.severity === 'error').length, nodes: compiled.site?.nodes.length ?? 0 };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function main(): void {
  const sizes = process.argv.slice(2).map(Number).filter((n) => Number.isInteger(n) && n > 0);
  const list = sizes.length > 0 ? sizes : [100, 1000, 5000];
  runOnce(generateDesign(50)); // warm up the JIT
  console.log(`design pipeline benchmark (${RACKS} racks, Node ${process.version})`);
  console.log('   nodes   YAML MB    load ms  compile ms  validate ms    total ms   µs/node  findings');
  for (const n of list) {
    const text = generateDesign(n);
    const runs = Array.from({ length: n >= 5000 ? 3 : 5 }, () => runOnce(text));
    const m = (k: keyof Timing): number => median(runs.map((r) => r.timing[k]));
    const total = median(runs.map((r) => r.timing.load + r.timing.compile + r.timing.validate));
    const r = runs[0];
    if (r.errors > 0 || r.nodes !== n) throw new Error(`the generated design should be valid with ${n} nodes; got ${r.errors} errors, ${r.nodes} nodes`);
    console.log(
      [String(n).padStart(8), (text.length / 1e6).toFixed(1).padStart(9), m('load').toFixed(0).padStart(10), m('compile').toFixed(0).padStart(11), m('validate').toFixed(0).padStart(12), total.toFixed(0).padStart(11), ((total * 1000) / n).toFixed(0).padStart(9), String(r.findings).padStart(9)].join(' '),
    );
  }
}

if (require.main === module) main();
