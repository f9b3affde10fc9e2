/**
 * The parts of MAAS API 2.0 objects (MAAS 3.x) the driver reads (MAAS sends many more fields). Shapes follow
 * MAAS's API handlers (`src/maasserver/api/*.py`, DISPLAYED_*_FIELDS) and its published examples.
 */
export interface MaasVlan {
  id: number;
  vid: number;
  name: string;
  mtu: number;
  fabric: string;
  fabric_id: number;
  dhcp_on: boolean;
  primary_rack: string | null;
  secondary_rack: string | null;
  relay_vlan: number | null;
  space: string;
}

export interface MaasFabric {
  id: number;
  name: string;
  class_type?: string | null;
  vlans: MaasVlan[];
}

export interface MaasSubnet {
  id: number;
  name: string;
  cidr: string;
  vlan: MaasVlan;
  gateway_ip: string | null;
  dns_servers: string[];
  managed?: boolean;
  space?: string;
}

export interface MaasIpRange {
  id: number;
  type: 'dynamic' | 'reserved';
  start_ip: string;
  end_ip: string;
  comment: string;
  subnet: MaasSubnet;
}

export interface MaasStaticRoute {
  id: number;
  source: MaasSubnet;
  destination: MaasSubnet;
  gateway_ip: string;
  metric: number;
}

export interface MaasDomain {
  id: number;
  name: string;
  authoritative: boolean;
  ttl: number | null;
  is_default: boolean;
}

export interface MaasLink {
  id: number;
  mode: 'auto' | 'dhcp' | 'static' | 'link_up';
  ip_address?: string;
  subnet?: MaasSubnet;
}

export interface MaasInterface {
  id: number;
  name: string;
  type: 'physical' | 'bond' | 'vlan' | 'bridge' | 'unknown';
  mac_address: string;
  vlan: MaasVlan | null;
  parents: string[];
  children: string[];
  enabled: boolean;
  links: MaasLink[];
  effective_mtu: number;
  params: Record<string, unknown> | '';
  tags: string[];
  system_id: string;
}

export interface MaasFilesystem {
  fstype: string;
  label: string | null;
  uuid: string | null;
  mount_point: string | null;
  mount_options: string | null;
}

export interface MaasPartition {
  id: number;
  uuid: string | null;
  size: number;
  bootable: boolean;
  type: 'partition';
  device_id: number;
  path: string;
  filesystem: MaasFilesystem | null;
  used_for: string;
}

export interface MaasBlockDevice {
  id: number;
  name: string;
  type: 'physical' | 'virtual';
  size: number;
  block_size: number;
  available_size: number;
  used_size: number;
  path: string;
  model?: string | null;
  serial?: string | null;
  id_path?: string | null;
  uuid?: string | null;
  filesystem: MaasFilesystem | null;
  partition_table_type: 'GPT' | 'MBR' | null;
  partitions: MaasPartition[];
  used_for: string;
  tags: string[];
}

export interface MaasVolumeGroup {
  id: number;
  name: string;
  uuid: string | null;
  size: number;
  available_size: number;
  used_size: number;
  devices: Array<MaasBlockDevice | MaasPartition>;
  logical_volumes: MaasBlockDevice[];
}

export interface MaasMachine {
  system_id: string;
  hostname: string;
  fqdn: string;
  domain: { id: number; name: string };
  status: number;
  status_name: string;
  status_message: string | null;
  error_description?: string;
  power_type: string;
  power_state: 'on' | 'off' | 'unknown' | 'error';
  architecture: string;
  cpu_count: number;
  memory: number;
  osystem: string;
  distro_series: string;
  hwe_kernel: string | null;
  tag_names: string[];
  owner: string | null;
  owner_data: Record<string, string>;
  workload_annotations?: Record<string, string>;
  boot_interface: MaasInterface | null;
  interface_set: MaasInterface[];
  boot_disk: MaasBlockDevice | null;
  blockdevice_set: MaasBlockDevice[];
  volume_groups: MaasVolumeGroup[];
  ip_addresses: string[];
  default_gateways?: { ipv4: { gateway_ip: string | null; link_id: number | null }; ipv6: { gateway_ip: string | null; link_id: number | null } };
  bios_boot_method?: string;
  hardware_info?: Record<string, string>;
}

export interface MaasTag {
  name: string;
  definition: string;
  comment: string;
  kernel_opts: string;
}

export interface MaasSshKey {
  id: number;
  key: string;
  keysource?: string | null;
}

export interface MaasPackageRepository {
  id: number;
  name: string;
  url: string;
  distributions: string[];
  disabled_pockets: string[];
  disabled_components: string[];
  disable_sources: boolean;
  components: string[];
  arches: string[];
  key: string;
  enabled: boolean;
}

export interface MaasBootResource {
  id: number;
  type: 'Synced' | 'Uploaded' | 'Generated';
  name: string;
  architecture: string;
}

export interface MaasBootSource {
  id: number;
  url: string;
}

export interface MaasBootSourceSelection {
  id: number;
  boot_source_id: number;
  os: string;
  release: string;
  arches: string[];
  subarches: string[];
  labels: string[];
}

export interface MaasRackController {
  system_id: string;
  hostname: string;
}

export interface MaasVersion {
  version: string;
  subversion: string;
  capabilities: string[];
}

/** MAAS status names the driver acts on (status_name). */
export const STATUS = {
  new: 'New',
  commissioning: 'Commissioning',
  failedCommissioning: 'Failed commissioning',
  ready: 'Ready',
  allocated: 'Allocated',
  deploying: 'Deploying',
  deployed: 'Deployed',
  failedDeployment: 'Failed deployment',
  releasing: 'Releasing',
  // src/maasserver/enum.py: NODE_STATUS.FAILED_RELEASING is labelled "Releasing failed" (2.0 to master)
  failedReleasing: 'Releasing failed',
  diskErasing: 'Disk erasing',
  failedDiskErasing: 'Failed disk erasing',
  broken: 'Broken',
  testing: 'Testing',
  failedTesting: 'Failed testing',
} as const;
