import { stringify } from 'yaml';
import { processDesign, ProcessOptions, ProcessResult } from '../../../../src/design';
import type { Finding } from '../../../../src/design';

/** A Deckhand document as tests build it. */
export interface Doc {
  schema: string;
  metadata: { schema: string; name: string; [key: string]: unknown };
  data: Record<string, unknown>;
}

export function doc(kind: string, name: string, data: Record<string, unknown>): Doc {
  return { schema: `drydock/${kind}/v1`, metadata: { schema: 'metadata/Document/v1', name }, data };
}

/**
 * A small valid site: every rule passes without warnings. Tests change one thing and look for
 * the finding that change must cause.
 */
export function baseSite(): Doc[] {
  return [
    doc('Region', 'site1', { authorized_keys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE1gZGlhbW9uZA test'] }),
    doc('NetworkLink', 'pxe', { bonding: { mode: 'disabled' }, mtu: 1500, trunking: { mode: 'disabled', default_network: 'pxe' }, allowed_networks: ['pxe'] }),
    doc('NetworkLink', 'gp', { bonding: { mode: '802.3ad', hash: 'layer3+4', peer_rate: 'slow' }, mtu: 9000, trunking: { mode: '802.1q', default_network: 'mgmt' }, allowed_networks: ['mgmt', 'storage'] }),
    doc('Network', 'pxe', { cidr: '10.0.0.0/24', mtu: 1500, ranges: [{ type: 'dhcp', start: '10.0.0.10', end: '10.0.0.200' }], dns: { domain: 'pxe.example.com', servers: '10.0.0.2' } }),
    doc('Network', 'mgmt', { cidr: '10.0.1.0/24', vlan: '100', mtu: 1500, routes: [{ subnet: '0.0.0.0/0', gateway: '10.0.1.1', metric: 10 }], dns: { domain: 'mgmt.example.com', servers: '10.0.1.2,10.0.1.3' } }),
    doc('Network', 'storage', { cidr: '10.0.2.0/24', vlan: '200', mtu: 9000 }),
    doc('Network', 'oob', { cidr: '10.0.100.0/24' }),
    doc('Rack', 'rack1', { tor_switches: { leaf1: { mgmt_ip: '10.0.100.250' } }, location: { grid: 'A1' }, local_networks: ['pxe'], labels: { zone: 'a' } }),
    doc('HardwareProfile', 'hw1', {
      vendor: 'Dell',
      boot_mode: 'uefi',
      bootstrap_protocol: 'pxe',
      pxe_interface: 0,
      device_aliases: { nic1: { address: '0000:3b:00.0', bus_type: 'pci' }, nic2: { address: '0000:3b:00.1', bus_type: 'pci' }, disk1: { address: '0:0:0:0', bus_type: 'scsi' } },
      cpu_sets: { pinned: '2-7' },
      hugepages: { huge: { size: '1G', count: 16 } },
    }),
    doc('HostProfile', 'base', {
      hardware_profile: 'hw1',
      oob: { type: 'ipmi', network: 'oob', account: 'admin', credential: 'env:BMC_PASSWORD' },
      primary_network: 'mgmt',
      interfaces: {
        pxe: { device_link: 'pxe', slaves: ['nic1'], networks: ['pxe'] },
        bond0: { device_link: 'gp', slaves: ['nic1', 'nic2'], networks: ['mgmt', 'storage'] },
      },
      storage: {
        physical_devices: {
          disk1: {
            partitions: [
              { name: 'root', size: '30g', bootable: true, filesystem: { mountpoint: '/', fstype: 'ext4' } },
              { name: 'boot', size: '1g', filesystem: { mountpoint: '/boot', fstype: 'ext4' } },
            ],
          },
          sdb: { volume_group: 'data' },
        },
        volume_groups: { data: { logical_volumes: [{ name: 'varlog', size: '50%', filesystem: { mountpoint: '/var/log', fstype: 'xfs' } }] } },
      },
      platform: { image: 'jammy', kernel: 'ga-22.04', kernel_params: { console: 'ttyS1' } },
      metadata: { tags: ['base'], owner_data: { role: 'worker' } },
    }),
    node('n1', 11),
    node('n2', 12),
    doc('BootAction', 'hello', { assets: [{ path: '/etc/motd', type: 'file', permissions: '0644', data: 'hello', data_pipeline: ['utf8_decode'] }] }),
  ];
}

export function node(name: string, host: number, extra: Record<string, unknown> = {}): Doc {
  return doc('BaremetalNode', name, {
    host_profile: 'base',
    addressing: [
      { network: 'pxe', address: 'dhcp' },
      { network: 'mgmt', address: `10.0.1.${host}` },
      { network: 'storage', address: `10.0.2.${host}` },
      { network: 'oob', address: `10.0.100.${host}` },
    ],
    metadata: { rack: 'rack1' },
    ...extra,
  });
}

/**
 * The data section of a document, for tests to edit in place. `any` because the tests reach into
 * free-form YAML at will; the schemas under test are what checks its shape.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function data(docs: Doc[], kind: string, name: string): Record<string, any> {
  return find(docs, kind, name).data;
}

export function find(docs: Doc[], kind: string, name: string): Doc {
  const d = docs.find((x) => x.schema === `drydock/${kind}/v1` && x.metadata.name === name);
  if (!d) throw new Error(`test design has no ${kind}/${name}`);
  return d;
}

export function yamlOf(docs: Doc[]): string {
  return docs.map((d) => `---\n${stringify(d, { version: '1.1' })}`).join('');
}

export function run(docs: Doc[], options: ProcessOptions = {}): ProcessResult {
  return processDesign([{ name: 'site.yaml', text: yamlOf(docs) }], options);
}

export function errorsOf(findings: Finding[], code?: string): Finding[] {
  return findings.filter((f) => f.severity === 'error' && (code === undefined || f.code === code));
}

export function withCode(findings: Finding[], code: string): Finding[] {
  return findings.filter((f) => f.code === code);
}

/** A compact view for failure messages. */
export function brief(findings: Finding[]): string[] {
  return findings.map((f) => `${f.severity} ${f.code} ${f.document ? `${f.document.kind}/${f.document.name}` : ''}${f.field ? ` ${f.field}` : ''}: ${f.message}`);
}
