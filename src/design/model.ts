/**
 * The compiled site model: what `src/design` produces from Drydock documents and what workflows,
 * activities and drivers consume. Plain JSON-serialisable data (it travels in workflow inputs),
 * fully resolved: inheritance applied, `!` negations removed, device aliases and kernel-parameter
 * references resolved, route domains expanded.
 *
 * Credentials are *references* (`env:NAME`, `file:/path`, `secret:NAME`) or, with a warning
 * finding, cleartext; they are resolved only inside activities (`src/secrets`).
 *
 * Extensions to Drydock's format (fields Drydock has no place for) are marked EXTENSION and are
 * documented in docs/design-extensions.md.
 */

/** Where a value came from, so findings and errors can point at a line. */
export interface SourceRef {
  file: string;
  line: number;
  column: number;
}

export type DesignKind =
  | 'Region'
  | 'Rack'
  | 'NetworkLink'
  | 'Network'
  | 'HardwareProfile'
  | 'HostProfile'
  | 'BaremetalNode'
  | 'BootAction';

export interface DocumentRef {
  kind: DesignKind;
  name: string;
  source?: SourceRef;
}

export interface CompiledSite {
  /** The Region document's name. */
  name: string;
  region: RegionModel;
  networks: Record<string, NetworkModel>;
  links: Record<string, NetworkLinkModel>;
  racks: Record<string, RackModel>;
  hardwareProfiles: Record<string, HardwareProfileModel>;
  bootActions: Record<string, BootActionModel>;
  /** Sorted by name. */
  nodes: NodeModel[];
}

export interface RegionModel {
  name: string;
  tagDefinitions: Array<{ tag: string; definitionType: 'lshw_xpath'; definition: string }>;
  /** SSH public keys installed on every deployed node. */
  authorizedKeys: string[];
  repositories: {
    removeUnlisted: boolean;
    repos: Record<string, RepositoryModel>;
  };
  /** EXTENSION: which node, network and Kubernetes drivers the site uses (OOB is per node). */
  drivers: SiteDrivers;
  labels: Record<string, string>;
  source?: SourceRef;
}

export interface RepositoryModel {
  name: string;
  repoType: 'apt' | 'rpm';
  url: string;
  distributions: string[];
  subrepos: string[];
  components: string[];
  gpgkey?: string;
  arches: string[];
  options: Record<string, string>;
}

/** EXTENSION (Region `data.drivers`). A driver kind that is absent is "not configured": workflow
 * steps that need it are skipped and recorded as skipped. */
export interface SiteDrivers {
  node?: NodeDriverConfig;
  network?: NetworkDriverConfig;
  kubernetes?: KubernetesDriverConfig;
}

export type NodeDriverConfig =
  | {
      type: 'maas';
      /** e.g. http://maas.example.net:5240/MAAS */
      apiUrl: string;
      /** Reference to the `consumer:token:secret` API key. */
      apiKey: string;
      /** Optional CA bundle file for an https MAAS. */
      caBundle?: string;
    }
  | SimDriverConfig;

export type NetworkDriverConfig = { type: 'linux-bridge' } | SimDriverConfig;

export type KubernetesDriverConfig =
  | {
      type: 'kubernetes';
      /** e.g. https://10.0.0.1:6443 */
      apiUrl: string;
      /** Reference to a bearer token. */
      token: string;
      caBundle?: string;
      insecure?: boolean;
    }
  | SimDriverConfig;

/** Benchmark/simulation drivers: every action takes `latencyMs` and counts its calls. */
export interface SimDriverConfig {
  type: 'sim';
  latencyMs: number;
  /** Latency of particular actions (e.g. IdentifyNode), overriding latencyMs for them: a bench
   * with long actions keeps each action within its step's timeout (IdentifyNode: 1 minute). */
  actionLatencyMs?: Record<string, number>;
  /** Injected failures, for tests and demos: `action` (e.g. DeployNode) fails on `node` the first
   * `times` calls (default: always), retryably or not (default not). */
  fail?: Array<{ node: string; action: string; times?: number; retryable?: boolean }>;
}

export interface NetworkModel {
  name: string;
  /** Normalised CIDR as written (validation reports host bits). */
  cidr: string;
  /** 802.1q tag, when the network is tagged. */
  vlan?: number;
  mtu?: number;
  routedomain?: string;
  /** Routes, with route-domain routes already expanded into concrete subnets. */
  routes: Array<{ subnet: string; gateway: string; metric: number; routedomain?: string }>;
  ranges: Array<{ type: 'static' | 'dhcp' | 'reserved'; start: string; end: string }>;
  dns: { domain?: string; servers: string[] };
  dhcpRelay?: { selfIp: string; upstreamTarget: string };
  labels: Record<string, string>;
  source?: SourceRef;
}

export interface NetworkLinkModel {
  name: string;
  bonding: {
    /** disabled | 802.3ad | active-backup | balance-rr | ... (as written) */
    mode: string;
    hash?: string;
    peerRate?: string;
    monRate?: number;
    upDelay?: number;
    downDelay?: number;
  };
  mtu?: number;
  linkspeed?: string;
  trunking: { mode: 'disabled' | '802.1q'; defaultNetwork?: string };
  allowedNetworks: string[];
  labels: Record<string, string>;
  source?: SourceRef;
}

export interface RackModel {
  name: string;
  torSwitches: Record<string, TorSwitchModel>;
  location: Record<string, string>;
  localNetworks: string[];
  labels: Record<string, string>;
  source?: SourceRef;
}

export interface TorSwitchModel {
  name: string;
  mgmtIp?: string;
  sdnApiUri?: string;
  /** EXTENSION: SSH management of a Linux (Cumulus/SONiC-style) vlan-aware bridge switch. */
  ssh?: {
    port: number;
    user: string;
    /** Reference to the private key. */
    key: string;
    /** Pinned host key: `SHA256:...` fingerprint. Either this or knownHosts is required. */
    hostKeyFingerprint?: string;
    /** A known_hosts file to verify the host key against. */
    knownHosts?: string;
    /** The bridge device holding the node ports (default br0). */
    bridge: string;
  };
}

export interface HardwareProfileModel {
  name: string;
  vendor?: string;
  generation?: string;
  hwVersion?: string;
  biosVersion?: string;
  bootMode?: 'bios' | 'uefi';
  bootstrapProtocol?: 'pxe' | 'usb' | 'hdd';
  pxeInterface?: number;
  deviceAliases: Record<string, { address: string; devType?: string; busType?: string }>;
  cpuSets: Record<string, string>;
  hugepages: Record<string, { size: string; count: number }>;
  source?: SourceRef;
}

export interface BootActionModel {
  name: string;
  signaling: boolean;
  assets: BootActionAsset[];
  /** Undefined: targets every node. */
  nodeFilter?: NodeFilterSet;
  /** Names of the nodes this boot action targets, computed at compile time. */
  targetNodes: string[];
  source?: SourceRef;
}

export interface BootActionAsset {
  type: 'unit' | 'file' | 'pkg_list';
  path?: string;
  location?: string;
  /** For pkg_list: package name -> version (null: any version). */
  data?: string | Record<string, string | null>;
  dataPipeline: string[];
  locationPipeline: string[];
  permissions?: string;
}

/** Drydock's node filter, exactly: a set of filters combined by union or intersection. */
export interface NodeFilterSet {
  filterSetType: 'union' | 'intersection';
  filterSet: NodeFilter[];
}

export interface NodeFilter {
  filterType: 'union' | 'intersection';
  nodeNames?: string[];
  nodeTags?: string[];
  /** Every pair must match (Drydock ORs them by mistake). */
  nodeLabels?: Record<string, string>;
  rackNames?: string[];
  rackLabels?: Record<string, string>;
}

export type OobType = 'ipmi' | 'redfish' | 'manual' | 'libvirt' | 'sim' | (string & {});

export interface OobModel {
  type: OobType;
  /** The network the BMC sits on (Drydock: `oob.network`). */
  network?: string;
  account?: string;
  /** Reference (or, with a warning, cleartext) of the BMC password. */
  credential?: string;
  /** The BMC address: the node's address on `network`, or the EXTENSION `oob.address`. */
  address?: string;
  /** EXTENSION: BMC port (Redfish: HTTP(S) port; IPMI: UDP port, default 623). */
  port?: number;
  /** Every other `oob.*` key as written (Drydock allows additional properties), e.g.
   * EXTENSIONS `system_id` (Redfish System id or name), `use_https`, `insecure`, `ca_bundle`,
   * `min_command_gap_ms` (IPMI), `libvirt_uri`. */
  params: Record<string, unknown>;
}

export interface NodeInterfaceModel {
  /** Logical interface name (bond0, pxe, ...). */
  name: string;
  /** Name of the NetworkLink. */
  deviceLink?: string;
  /** Physical devices, with hardware-profile aliases resolved to the device (address) names. */
  slaves: Array<{ name: string; alias?: string; address?: string }>;
  networks: string[];
  sriov?: { vfCount: number; trustMode: boolean };
  labels: Record<string, string>;
  /** EXTENSION: the switch ports this interface's slaves are cabled to. */
  switchPorts: Array<{ switch: string; port: string }>;
}

export interface FilesystemModel {
  mountpoint?: string;
  fstype?: string;
  mountOptions?: string;
  fsUuid?: string;
  fsLabel?: string;
}

export interface PartitionModel {
  name: string;
  /** As written: `20g`, `>10g`, `50%`, `99%` ... */
  size?: string;
  partUuid?: string;
  bootable: boolean;
  volumeGroup?: string;
  labels: Record<string, string>;
  filesystem?: FilesystemModel;
}

export interface PhysicalDeviceModel {
  /** Device name after alias resolution (the alias is kept for display). */
  name: string;
  alias?: string;
  labels: Record<string, string>;
  volumeGroup?: string;
  partitions: PartitionModel[];
}

export interface LogicalVolumeModel {
  name: string;
  lvUuid?: string;
  size?: string;
  filesystem?: FilesystemModel;
}

export interface VolumeGroupModel {
  name: string;
  vgUuid?: string;
  logicalVolumes: LogicalVolumeModel[];
}

export interface NodeModel {
  name: string;
  /** The site (Region) name. */
  site: string;
  /** The profile chain, most specific first: [node's host_profile, its parent, ...]. */
  profiles: string[];
  hardwareProfile?: string;
  primaryNetwork?: string;
  rack?: string;
  /** Drydock `metadata.tags`. */
  tags: string[];
  /** Node labels: Drydock's `metadata.owner_data` (Drydock's node filters and its Kubernetes
   * relabelling both read owner_data as the node's labels). */
  labels: Record<string, string>;
  bootMac?: string;
  oob: OobModel;
  interfaces: NodeInterfaceModel[];
  addressing: Array<{ network: string; address: string }>;
  storage: { physicalDevices: PhysicalDeviceModel[]; volumeGroups: VolumeGroupModel[] };
  platform: {
    image?: string;
    kernel?: string;
    /** References (`hardwareprofile:...`) resolved; `true` for flags. */
    kernelParams: Record<string, string | true>;
  };
  /** Boot actions whose node filter selects this node. */
  bootActions: string[];
  source?: SourceRef;
}
