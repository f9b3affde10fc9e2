import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { EmulatorConfig } from './config';
import type { PackageRepositoryWire } from './wire-types';

/**
 * Everything the MAAS emulator knows, as one JSON document. It is written to the state file
 * (write to a temporary file, then rename) after every change, so a restarted emulator resumes
 * with the same machines, networks, keys, running operations and counters, as a real MAAS
 * keeps its state in its PostgreSQL database across a restart of the region controller (MAAS
 * requires PostgreSQL: https://canonical.com/maas/docs/latest/reference/configuration-guides/installation-requirements/).
 */
export const STATUS_CODES = {
  New: 0,
  Commissioning: 1,
  'Failed commissioning': 2,
  Ready: 4,
  Deployed: 6,
  Broken: 8,
  Deploying: 9,
  Allocated: 10,
  'Failed deployment': 11,
  Releasing: 12,
  // src/maasserver/enum.py NODE_STATUS_CHOICES: FAILED_RELEASING is labelled "Releasing failed"
  'Releasing failed': 13,
  'Disk erasing': 14,
  'Failed disk erasing': 15,
  Testing: 21,
  'Failed testing': 22,
} as const;
export type StatusName = keyof typeof STATUS_CODES;

export interface EmuFilesystem {
  fstype: string;
  label: string | null;
  uuid: string | null;
  mount_point: string | null;
  mount_options: string | null;
}

export interface EmuPartition {
  id: number;
  uuid: string;
  size: number;
  bootable: boolean;
  filesystem: EmuFilesystem | null;
}

export interface EmuBlockDevice {
  id: number;
  name: string;
  type: 'physical' | 'virtual';
  size: number;
  block_size: number;
  model: string | null;
  serial: string | null;
  id_path: string | null;
  uuid: string | null;
  filesystem: EmuFilesystem | null;
  /** Physical devices: null until partitioned. */
  partition_table_type: 'GPT' | 'MBR' | null;
  partitions: EmuPartition[];
  /** Virtual devices (logical volumes): the volume group. */
  volume_group_id?: number;
}

export interface EmuVolumeGroup {
  id: number;
  name: string;
  uuid: string;
  members: Array<{ kind: 'device' | 'partition'; id: number }>;
}

export interface EmuLink {
  id: number;
  mode: 'auto' | 'dhcp' | 'static' | 'link_up';
  subnet_id: number | null;
  ip_address: string | null;
}

export interface EmuInterface {
  id: number;
  name: string;
  type: 'physical' | 'bond' | 'vlan';
  mac_address: string;
  vlan_id: number | null;
  /** Parent interface ids (bond slaves, a VLAN interface's parent). */
  parents: number[];
  enabled: boolean;
  mtu: number | null;
  params: Record<string, string | number>;
  tags: string[];
  links: EmuLink[];
}

export interface EmuOperation {
  kind: 'commissioning' | 'deploying' | 'releasing' | 'disk-erasing';
  requestedAt: number;
  /** When the BMC was first seen with PXE boot and power on (the operation then runs). */
  runningSince: number | null;
  skipNetworking?: boolean;
  skipStorage?: boolean;
  /** CommissionForm's other booleans as MAAS parsed them (src/maasserver/forms/ephemeral.py). */
  enableSsh?: boolean;
  skipBmcConfig?: boolean;
}

export interface EmuMachine {
  system_id: string;
  hostname: string;
  /** The lab machine (index key) this MAAS machine is. */
  lab: string;
  domain_id: number;
  architecture: string;
  cpu_count: number;
  memory: number;
  bios_boot_method: 'uefi' | 'pxe';
  status: StatusName;
  previous_status: StatusName | null;
  status_message: string;
  error_description: string;
  power_type: string;
  power_parameters: Record<string, string>;
  power_state: 'on' | 'off' | 'unknown';
  osystem: string;
  distro_series: string;
  hwe_kernel: string | null;
  owner: string | null;
  workload_annotations: Record<string, string>;
  user_data: string | null;
  commissioned: boolean;
  /** The booleans of the last commission request, as MAAS parsed them (lab view only). */
  commission_options?: { enable_ssh: boolean; skip_bmc_config: boolean; skip_networking: boolean; skip_storage: boolean };
  interfaces: EmuInterface[];
  boot_interface_id: number | null;
  blockdevices: EmuBlockDevice[];
  volume_groups: EmuVolumeGroup[];
  boot_disk_id: number | null;
  gateway_link_ipv4: number | null;
  operation: EmuOperation | null;
  /** Power actions MAAS's power driver still has to carry out on the BMC, in order. */
  pending_power: Array<'pxe-on' | 'on' | 'off'>;
}

export interface EmuState {
  version: 1;
  nextId: number;
  credentials: { consumerKey: string; tokenKey: string; tokenSecret: string; username: string };
  settings: Record<string, string | boolean | number>;
  domains: Array<{ id: number; name: string; authoritative: boolean; ttl: number | null; is_default: boolean }>;
  fabrics: Array<{ id: number; name: string; description: string; class_type: string | null }>;
  vlans: Array<{
    id: number;
    fabric_id: number;
    vid: number;
    name: string | null;
    mtu: number;
    description: string;
    dhcp_on: boolean;
    primary_rack: string | null;
    secondary_rack: string | null;
    relay_vlan: number | null;
  }>;
  subnets: Array<{ id: number; name: string; cidr: string; vlan_id: number; gateway_ip: string | null; dns_servers: string[]; managed: boolean; description: string }>;
  ipranges: Array<{ id: number; subnet_id: number; type: 'dynamic' | 'reserved'; start_ip: string; end_ip: string; comment: string }>;
  staticRoutes: Array<{ id: number; source_id: number; destination_id: number; gateway_ip: string; metric: number }>;
  tags: Array<{ name: string; definition: string; comment: string; kernel_opts: string; machines: string[] }>;
  sshkeys: Array<{ id: number; key: string }>;
  /** MAAS's own wire shape, as the driver reads it. */
  packageRepositories: PackageRepositoryWire[];
  bootSources: Array<{ id: number; url: string; keyring_filename: string; keyring_data: string; created: string; updated: string }>;
  bootSelections: Array<{ id: number; boot_source_id: number; os: string; release: string; arches: string[]; subarches: string[]; labels: string[] }>;
  bootResources: Array<{ id: number; type: 'Synced' | 'Uploaded'; name: string; architecture: string }>;
  importing: { startedAt: number } | null;
  rackControllers: Array<{ system_id: string; hostname: string }>;
  machines: EmuMachine[];
  /** Lab machines (by key) that have enlisted. */
  enlisted: string[];
  stats: EmuStats;
}

export interface EmuStats {
  /** Requests by `METHOD /path/template/?op=name`. */
  requests: Record<string, number>;
  /** Writes (every verb but GET) by the same template that MAAS carried out: answered below 400,
   * so not a request refused as "already exists" or a fault answered before it was served.
   * Absent in state files written before it. */
  applied?: Record<string, number>;
  /** Operations per machine host name (and system_id): commission, deploy, release, allocate,
   * power_on, power_off (API), and bmc_power_on, bmc_power_off, bmc_pxe (what the emulator did
   * to the BMC itself), enlist, commissioned, deployed, released. */
  machines: Record<string, Record<string, number>>;
  faults: { errors: number; slowed: number };
}

/** Ubuntu releases the emulated boot source offers, with their version numbers (for kernels). */
export const UBUNTU_RELEASES: Record<string, string> = {
  xenial: '16.04',
  bionic: '18.04',
  focal: '20.04',
  jammy: '22.04',
  noble: '24.04',
};

function randomToken(length: number): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  const bytes = randomBytes(length);
  return [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
}

export function newSystemId(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxy0123456789';
  return [...randomBytes(6)].map((b) => alphabet[b % alphabet.length]).join('');
}

export function bootResourcesFor(release: string, nextId: () => number): EmuState['bootResources'] {
  const version = UBUNTU_RELEASES[release];
  if (!version) return [];
  return [`ga-${version}`, `hwe-${version}`].map((kernel) => ({ id: nextId(), type: 'Synced', name: `ubuntu/${release}`, architecture: `amd64/${kernel}` }));
}

/** A MAAS as after installation: the default domain, fabric-0 holding the rack's PXE subnet with
 * DHCP on, one rack controller, the Ubuntu archives and the configured images. */
export function initialState(config: EmulatorConfig): EmuState {
  let id = 1;
  const nextId = () => id++;
  const [consumerKey, tokenKey, tokenSecret] = config.apiKey ? config.apiKey.split(':') : [randomToken(18), randomToken(18), randomToken(32)];
  const rack = { system_id: newSystemId(), hostname: 'maas-rack' };
  const fabricId = 0;
  const vlanId = 5001;
  const subnetId = nextId();
  const now = new Date().toISOString();
  const state: EmuState = {
    version: 1,
    nextId: 0,
    credentials: { consumerKey, tokenKey, tokenSecret, username: 'admin' },
    settings: {
      default_storage_layout: 'flat',
      enable_disk_erasing_on_release: false,
      disk_erase_with_quick_erase: false,
      disk_erase_with_secure_erase: false,
      default_distro_series: config.bootImages[0] ?? 'jammy',
      default_osystem: 'ubuntu',
      maas_name: 'drydock-lab',
    },
    domains: [{ id: 0, name: 'maas', authoritative: true, ttl: null, is_default: true }],
    fabrics: [{ id: fabricId, name: 'fabric-0', description: '', class_type: null }],
    vlans: [{ id: vlanId, fabric_id: fabricId, vid: 0, name: 'untagged', mtu: 1500, description: '', dhcp_on: true, primary_rack: rack.system_id, secondary_rack: null, relay_vlan: null }],
    subnets: [{ id: subnetId, name: config.pxe.cidr, cidr: config.pxe.cidr, vlan_id: vlanId, gateway_ip: config.pxe.gateway ?? null, dns_servers: [], managed: true, description: '' }],
    ipranges: [],
    staticRoutes: [],
    tags: [],
    sshkeys: [],
    packageRepositories: [
      {
        id: nextId(),
        name: 'main_archive',
        url: 'http://archive.ubuntu.com/ubuntu',
        distributions: [],
        disabled_pockets: [],
        disabled_components: [],
        disable_sources: true,
        components: [],
        arches: ['amd64', 'i386'],
        key: '',
        enabled: true,
      },
      {
        id: nextId(),
        name: 'ports_archive',
        url: 'http://ports.ubuntu.com/ubuntu-ports',
        distributions: [],
        disabled_pockets: [],
        disabled_components: [],
        disable_sources: true,
        components: [],
        arches: ['armhf', 'arm64', 'ppc64el', 's390x'],
        key: '',
        enabled: true,
      },
    ],
    bootSources: [{ id: 1, url: 'http://images.maas.io/ephemeral-v3/stable/', keyring_filename: '/usr/share/keyrings/ubuntu-cloudimage-keyring.gpg', keyring_data: '', created: now, updated: now }],
    bootSelections: [],
    bootResources: [],
    importing: null,
    rackControllers: [rack],
    machines: [],
    enlisted: [],
    stats: { requests: {}, applied: {}, machines: {}, faults: { errors: 0, slowed: 0 } },
  };
  if (config.pxe.dynamicRange) {
    state.ipranges.push({ id: nextId(), subnet_id: subnetId, type: 'dynamic', start_ip: config.pxe.dynamicRange.start, end_ip: config.pxe.dynamicRange.end, comment: 'PXE' });
  }
  for (const release of config.bootImages) {
    state.bootSelections.push({ id: nextId(), boot_source_id: 1, os: 'ubuntu', release, arches: ['amd64'], subarches: ['*'], labels: ['*'] });
    state.bootResources.push(...bootResourcesFor(release, nextId));
  }
  state.nextId = Math.max(id, 6000);
  return state;
}

export function loadState(path: string): EmuState | undefined {
  if (!existsSync(path)) return undefined;
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as EmuState;
  if (parsed.version !== 1) throw new Error(`${path}: unknown MAAS emulator state version ${String(parsed.version)}`);
  return parsed;
}

/** Atomic: a crash mid-write leaves the previous state, never half a file. */
export function saveState(path: string, state: EmuState): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(state), { mode: 0o600 });
  renameSync(temporary, path);
}
