import { randomUUID } from 'node:crypto';
import { addressText, networkHas, toAddress, toNetwork } from './ip';
import type { LabMachineConfig, EmulatorConfig } from './config';
import { ApiError, badRequest, notFound } from './http';
import {
  saveState,
  EmuBlockDevice,
  EmuInterface,
  EmuMachine,
  EmuPartition,
  EmuState,
  EmuVolumeGroup,
  STATUS_CODES,
  StatusName,
} from './state';

/**
 * The emulator's data, its lookups (404 when absent, as MAAS answers) and its renderers: each
 * render function produces the JSON shape MAAS's API handler gives for that object.
 */
export const API = '/MAAS/api/2.0';
const MIB = 1024 * 1024;
export const PARTITION_ALIGNMENT = 4 * MIB;
export const LVM_EXTENT = 4 * MIB;

export function alignDown(bytes: number, alignment = PARTITION_ALIGNMENT): number {
  return Math.floor(bytes / alignment) * alignment;
}

export type Vlan = EmuState['vlans'][number];
export type Subnet = EmuState['subnets'][number];

export class EmuModel {
  /** Host names of lab machines by lab key, for fault injection by name. */
  constructor(
    public state: EmuState,
    readonly config: EmulatorConfig,
    private readonly statePath: string | undefined,
  ) {}

  save(): void {
    if (this.statePath) saveState(this.statePath, this.state);
  }

  id(): number {
    return this.state.nextId++;
  }

  count(machine: EmuMachine, what: string, by = 1): void {
    const entry = (this.state.stats.machines[machine.system_id] ??= {});
    entry[what] = (entry[what] ?? 0) + by;
  }

  labMachine(machine: EmuMachine): LabMachineConfig | undefined {
    return this.config.machines.find((m, index) => labKeyOf(m, index) === machine.lab);
  }

  // ---- lookups -------------------------------------------------------------------------------
  machine(systemId: string): EmuMachine {
    const m = this.state.machines.find((x) => x.system_id === systemId);
    // machines.py: get_object_or_404(Machine, ...) -> Django's "No Machine matches the given query."
    if (!m) throw notFound('Machine');
    return m;
  }

  fabric(id: number | string) {
    const f = this.state.fabrics.find((x) => String(x.id) === String(id) || x.name === String(id));
    if (!f) throw notFound('Fabric');
    return f;
  }

  vlan(id: number | string): Vlan {
    const v = this.state.vlans.find((x) => String(x.id) === String(id));
    if (!v) throw notFound('VLAN');
    return v;
  }

  vlanByVid(fabricId: number, vid: number | string): Vlan {
    const v = this.state.vlans.find((x) => x.fabric_id === fabricId && String(x.vid) === String(vid));
    if (!v) throw notFound('VLAN');
    return v;
  }

  /** A subnet by id, CIDR or `cidr:...`/`name:...` specifier (MAAS accepts all). */
  subnet(spec: number | string): Subnet {
    const text = String(spec).replace(/^(cidr|name|id):/, '');
    const s = this.state.subnets.find((x) => String(x.id) === text || x.cidr === text || x.name === text);
    if (!s) throw notFound('Subnet');
    return s;
  }

  subnetOrInvalid(field: string, spec: string): Subnet {
    try {
      return this.subnet(spec);
    } catch {
      throw badRequest(field, 'Select a valid choice. That choice is not one of the available choices.');
    }
  }

  iface(machine: EmuMachine, id: number | string): EmuInterface {
    const i = machine.interfaces.find((x) => String(x.id) === String(id));
    if (!i) throw notFound('Interface');
    return i;
  }

  blockDevice(machine: EmuMachine, id: number | string): EmuBlockDevice {
    const d = machine.blockdevices.find((x) => String(x.id) === String(id));
    if (!d) throw notFound('BlockDevice');
    return d;
  }

  partition(device: EmuBlockDevice, id: number | string): EmuPartition {
    const p = device.partitions.find((x) => String(x.id) === String(id));
    if (!p) throw notFound('Partition');
    return p;
  }

  volumeGroup(machine: EmuMachine, id: number | string): EmuVolumeGroup {
    const vg = machine.volume_groups.find((x) => String(x.id) === String(id));
    if (!vg) throw notFound('VolumeGroup');
    return vg;
  }

  // ---- derived values ------------------------------------------------------------------------
  partitionOverhead(machine: EmuMachine): number {
    const bios = machine.bios_boot_method !== 'uefi' && machine.architecture.startsWith('amd64');
    return 5 * MIB + (bios ? 1 * MIB : 0);
  }

  vgOfMember(machine: EmuMachine, kind: 'device' | 'partition', id: number): EmuVolumeGroup | undefined {
    return machine.volume_groups.find((vg) => vg.members.some((m) => m.kind === kind && m.id === id));
  }

  memberSize(machine: EmuMachine, member: EmuVolumeGroup['members'][number]): number {
    if (member.kind === 'device') return machine.blockdevices.find((d) => d.id === member.id)?.size ?? 0;
    for (const d of machine.blockdevices) {
      const p = d.partitions.find((x) => x.id === member.id);
      if (p) return p.size;
    }
    return 0;
  }

  vgSize(machine: EmuMachine, vg: EmuVolumeGroup): number {
    return vg.members.reduce((sum, m) => sum + Math.max(0, alignDown(this.memberSize(machine, m) - LVM_EXTENT, LVM_EXTENT)), 0);
  }

  vgUsed(machine: EmuMachine, vg: EmuVolumeGroup): number {
    return machine.blockdevices.filter((d) => d.volume_group_id === vg.id).reduce((sum, d) => sum + d.size, 0);
  }

  deviceAvailable(machine: EmuMachine, device: EmuBlockDevice): number {
    if (device.filesystem || this.vgOfMember(machine, 'device', device.id)) return 0;
    if (device.partition_table_type === null) return device.size;
    return device.size - this.partitionOverhead(machine) - device.partitions.reduce((sum, p) => sum + p.size, 0);
  }

  /** Every IP address in use by a machine's links. */
  usedAddresses(): Map<string, { machine: EmuMachine; iface: EmuInterface }> {
    const used = new Map<string, { machine: EmuMachine; iface: EmuInterface }>();
    for (const machine of this.state.machines) {
      for (const iface of machine.interfaces) for (const l of iface.links) if (l.ip_address) used.set(normaliseIp(l.ip_address), { machine, iface });
    }
    return used;
  }

  /** The dynamic range containing an address, if any. */
  dynamicRangeFor(subnet: Subnet, ip: string): EmuState['ipranges'][number] | undefined {
    const value = toAddress(ip)?.n;
    if (value === undefined) return undefined;
    return this.state.ipranges.find((r) => r.subnet_id === subnet.id && r.type === 'dynamic' && value >= toAddress(r.start_ip)!.n && value <= toAddress(r.end_ip)!.n);
  }

  /** A free address of the subnet outside every range, as MAAS's AUTO allocation picks one. */
  allocateAddress(subnet: Subnet): string {
    const net = toNetwork(subnet.cidr);
    if (!net) throw badRequest('subnet', 'Subnet has an invalid CIDR.');
    const used = this.usedAddresses();
    const ranges = this.state.ipranges.filter((r) => r.subnet_id === subnet.id).map((r) => [toAddress(r.start_ip)!.n, toAddress(r.end_ip)!.n] as const);
    const gateway = subnet.gateway_ip ? toAddress(subnet.gateway_ip)?.n : undefined;
    for (let v = net.low + 1n; v < net.high; v++) {
      if (v === gateway || ranges.some(([a, b]) => v >= a && v <= b)) continue;
      const text = addressText({ family: net.family, n: v });
      if (!used.has(text)) return text;
    }
    throw new ApiError(503, `No more IPs available in subnet: ${subnet.cidr}.`);
  }

  // ---- renderers -----------------------------------------------------------------------------
  renderVlan(v: Vlan) {
    const fabric = this.state.fabrics.find((f) => f.id === v.fabric_id);
    return {
      id: v.id,
      vid: v.vid,
      name: v.name ?? (v.vid === 0 ? 'untagged' : String(v.vid)),
      description: v.description,
      mtu: v.mtu,
      fabric: fabric?.name ?? '',
      fabric_id: v.fabric_id,
      dhcp_on: v.dhcp_on,
      external_dhcp: null,
      relay_vlan: v.relay_vlan,
      primary_rack: v.primary_rack,
      secondary_rack: v.secondary_rack,
      space: 'undefined',
      resource_uri: `${API}/vlans/${v.id}/`,
    };
  }

  renderSubnet(s: Subnet) {
    return {
      id: s.id,
      name: s.name,
      description: s.description,
      cidr: s.cidr,
      vlan: this.renderVlan(this.vlan(s.vlan_id)),
      gateway_ip: s.gateway_ip,
      dns_servers: s.dns_servers,
      rdns_mode: 2,
      allow_dns: true,
      allow_proxy: true,
      active_discovery: false,
      managed: s.managed,
      disabled_boot_architectures: [],
      space: 'undefined',
      resource_uri: `${API}/subnets/${s.id}/`,
    };
  }

  renderFabric(f: EmuState['fabrics'][number]) {
    return {
      id: f.id,
      name: f.name,
      description: f.description,
      class_type: f.class_type,
      vlans: this.state.vlans.filter((v) => v.fabric_id === f.id).sort((a, b) => a.vid - b.vid).map((v) => this.renderVlan(v)),
      resource_uri: `${API}/fabrics/${f.id}/`,
    };
  }

  renderIpRange(r: EmuState['ipranges'][number]) {
    return {
      id: r.id,
      type: r.type,
      start_ip: r.start_ip,
      end_ip: r.end_ip,
      comment: r.comment,
      subnet: this.renderSubnet(this.subnet(r.subnet_id)),
      user: { is_superuser: true, username: this.state.credentials.username, email: 'admin@example.com', is_local: true, resource_uri: `${API}/users/admin/` },
      resource_uri: `${API}/ipranges/${r.id}/`,
    };
  }

  renderStaticRoute(r: EmuState['staticRoutes'][number]) {
    return {
      id: r.id,
      source: this.renderSubnet(this.subnet(r.source_id)),
      destination: this.renderSubnet(this.subnet(r.destination_id)),
      gateway_ip: r.gateway_ip,
      metric: r.metric,
      resource_uri: `${API}/static-routes/${r.id}/`,
    };
  }

  renderDomain(d: EmuState['domains'][number]) {
    return { ...d, resource_record_count: 0, resource_uri: `${API}/domains/${d.id}/` };
  }

  renderTag(t: EmuState['tags'][number]) {
    return { name: t.name, definition: t.definition, comment: t.comment, kernel_opts: t.kernel_opts, resource_uri: `${API}/tags/${encodeURIComponent(t.name)}/` };
  }

  effectiveMtu(iface: EmuInterface): number {
    if (iface.mtu) return iface.mtu;
    if (iface.vlan_id !== null) return this.state.vlans.find((v) => v.id === iface.vlan_id)?.mtu ?? 1500;
    return 1500;
  }

  renderInterface(machine: EmuMachine, iface: EmuInterface) {
    const names = (ids: number[]) => ids.map((id) => machine.interfaces.find((i) => i.id === id)?.name).filter((n): n is string => !!n);
    const vlan = iface.vlan_id === null ? null : this.state.vlans.find((v) => v.id === iface.vlan_id);
    return {
      system_id: machine.system_id,
      id: iface.id,
      name: iface.name,
      type: iface.type,
      vlan: vlan ? this.renderVlan(vlan) : null,
      mac_address: iface.mac_address,
      parents: names(iface.parents),
      children: machine.interfaces.filter((i) => i.parents.includes(iface.id)).map((i) => i.name),
      tags: iface.tags,
      enabled: iface.enabled,
      links: iface.links.map((l) => {
        const subnet = l.subnet_id === null ? undefined : this.state.subnets.find((s) => s.id === l.subnet_id);
        return { id: l.id, mode: l.mode, ...(subnet ? { subnet: this.renderSubnet(subnet) } : {}), ...(l.ip_address ? { ip_address: l.ip_address } : {}) };
      }),
      params: Object.keys(iface.params).length > 0 || iface.mtu ? { ...iface.params, ...(iface.mtu ? { mtu: iface.mtu } : {}) } : '',
      discovered: null,
      effective_mtu: this.effectiveMtu(iface),
      vendor: null,
      product: null,
      firmware_version: null,
      link_connected: true,
      interface_speed: iface.type === 'physical' ? 10000 : 0,
      link_speed: iface.type === 'physical' ? 10000 : 0,
      numa_node: 0,
      sriov_max_vf: 0,
      resource_uri: `${API}/nodes/${machine.system_id}/interfaces/${iface.id}/`,
    };
  }

  private usedFor(machine: EmuMachine, fs: EmuPartition['filesystem'], kind: 'device' | 'partition', id: number, device?: EmuBlockDevice): string {
    const vg = this.vgOfMember(machine, kind, id);
    if (vg) return `LVM volume for ${vg.name}`;
    if (fs) return `${fs.fstype} formatted filesystem${fs.mount_point ? ` mounted at ${fs.mount_point}` : ''}`;
    if (device && device.partitions.length > 0) return `${device.partition_table_type ?? 'GPT'} partitioned with ${device.partitions.length} partition${device.partitions.length === 1 ? '' : 's'}`;
    return 'Unused';
  }

  private pvFilesystem(machine: EmuMachine, kind: 'device' | 'partition', id: number, fs: EmuPartition['filesystem']) {
    if (this.vgOfMember(machine, kind, id)) return { fstype: 'lvm-pv', label: null, uuid: null, mount_point: null, mount_options: null };
    return fs;
  }

  renderPartition(machine: EmuMachine, device: EmuBlockDevice, p: EmuPartition) {
    const index = device.partitions.indexOf(p) + 1;
    return {
      id: p.id,
      uuid: p.uuid,
      size: p.size,
      bootable: p.bootable,
      tags: [],
      type: 'partition',
      used_for: this.usedFor(machine, p.filesystem, 'partition', p.id),
      system_id: machine.system_id,
      device_id: device.id,
      path: `/dev/disk/by-dname/${device.name}-part${index}`,
      filesystem: this.pvFilesystem(machine, 'partition', p.id, p.filesystem),
      resource_uri: `${API}/nodes/${machine.system_id}/blockdevices/${device.id}/partition/${p.id}`,
    };
  }

  renderBlockDevice(machine: EmuMachine, d: EmuBlockDevice) {
    const available = d.type === 'physical' ? this.deviceAvailable(machine, d) : d.filesystem ? 0 : d.size;
    return {
      id: d.id,
      name: d.name,
      uuid: d.uuid,
      type: d.type,
      path: `/dev/disk/by-dname/${d.name}`,
      model: d.model,
      serial: d.serial,
      id_path: d.id_path,
      size: d.size,
      block_size: d.block_size,
      available_size: available,
      used_size: d.size - available,
      used_for: this.usedFor(machine, d.filesystem, 'device', d.id, d),
      tags: d.type === 'physical' ? ['ssd'] : [],
      filesystem: this.pvFilesystem(machine, 'device', d.id, d.filesystem),
      partition_table_type: d.partition_table_type,
      partitions: d.partitions.map((p) => this.renderPartition(machine, d, p)),
      firmware_version: null,
      storage_pool: null,
      numa_node: 0,
      system_id: machine.system_id,
      resource_uri: `${API}/nodes/${machine.system_id}/blockdevices/${d.id}/`,
    };
  }

  renderVolumeGroup(machine: EmuMachine, vg: EmuVolumeGroup) {
    const size = this.vgSize(machine, vg);
    const used = this.vgUsed(machine, vg);
    const devices = vg.members.map((m) => {
      if (m.kind === 'device') return this.renderBlockDevice(machine, machine.blockdevices.find((d) => d.id === m.id)!);
      const device = machine.blockdevices.find((d) => d.partitions.some((p) => p.id === m.id))!;
      return this.renderPartition(machine, device, device.partitions.find((p) => p.id === m.id)!);
    });
    return {
      system_id: machine.system_id,
      id: vg.id,
      uuid: vg.uuid,
      name: vg.name,
      devices,
      size,
      human_size: `${(size / 1e9).toFixed(1)} GB`,
      available_size: size - used,
      human_available_size: `${((size - used) / 1e9).toFixed(1)} GB`,
      used_size: used,
      human_used_size: `${(used / 1e9).toFixed(1)} GB`,
      logical_volumes: machine.blockdevices.filter((d) => d.volume_group_id === vg.id).map((d) => this.renderBlockDevice(machine, d)),
      resource_uri: `${API}/nodes/${machine.system_id}/volume-group/${vg.id}/`,
    };
  }

  defaultGateway(machine: EmuMachine): { gateway_ip: string | null; link_id: number | null } {
    const links = machine.interfaces.flatMap((i) => i.links);
    const chosen = links.find((l) => l.id === machine.gateway_link_ipv4) ?? links.find((l) => (l.mode === 'static' || l.mode === 'auto') && l.subnet_id !== null && this.state.subnets.find((s) => s.id === l.subnet_id)?.gateway_ip);
    if (!chosen || chosen.subnet_id === null) return { gateway_ip: null, link_id: null };
    const subnet = this.state.subnets.find((s) => s.id === chosen.subnet_id);
    if (!subnet?.gateway_ip || !toAddress(subnet.gateway_ip) || toAddress(subnet.gateway_ip)!.family !== 4) return { gateway_ip: null, link_id: null };
    return { gateway_ip: subnet.gateway_ip, link_id: chosen.id };
  }

  renderMachine(m: EmuMachine) {
    const domain = this.state.domains.find((d) => d.id === m.domain_id) ?? this.state.domains[0];
    const bootIface = m.interfaces.find((i) => i.id === m.boot_interface_id) ?? null;
    const bootDisk = m.blockdevices.find((d) => d.id === m.boot_disk_id) ?? m.blockdevices.find((d) => d.type === 'physical') ?? null;
    const physical = m.blockdevices.filter((d) => d.type === 'physical');
    return {
      system_id: m.system_id,
      hostname: m.hostname,
      description: '',
      hardware_uuid: null,
      domain: this.renderDomain(domain),
      fqdn: `${m.hostname}.${domain.name}`,
      owner: m.owner,
      owner_data: m.workload_annotations,
      workload_annotations: m.workload_annotations,
      locked: false,
      architecture: m.architecture,
      min_hwe_kernel: '',
      hwe_kernel: m.hwe_kernel,
      cpu_count: m.cpu_count,
      cpu_speed: 2400,
      memory: m.memory,
      swap_size: null,
      storage: physical.reduce((sum, d) => sum + d.size, 0) / 1e6,
      status: STATUS_CODES[m.status],
      status_name: m.status,
      status_message: m.status_message,
      status_action: '',
      error_description: m.error_description,
      osystem: m.osystem,
      distro_series: m.distro_series,
      ephemeral_deploy: false,
      netboot: m.status !== 'Deployed',
      power_type: m.power_type,
      power_state: m.power_state,
      tag_names: this.state.tags.filter((t) => t.machines.includes(m.system_id)).map((t) => t.name),
      address_ttl: null,
      ip_addresses: m.interfaces.flatMap((i) => i.links.map((l) => l.ip_address)).filter((ip): ip is string => !!ip),
      interface_set: m.interfaces.map((i) => this.renderInterface(m, i)),
      boot_interface: bootIface ? this.renderInterface(m, bootIface) : null,
      zone: { name: 'default', description: '', id: 1, resource_uri: `${API}/zones/default/` },
      pool: { name: 'default', description: 'Default pool', id: 0, resource_uri: `${API}/resourcepool/0/` },
      disable_ipv4: false,
      bios_boot_method: m.bios_boot_method,
      boot_disk: bootDisk ? this.renderBlockDevice(m, bootDisk) : null,
      blockdevice_set: m.blockdevices.map((d) => this.renderBlockDevice(m, d)),
      physicalblockdevice_set: physical.map((d) => this.renderBlockDevice(m, d)),
      virtualblockdevice_set: m.blockdevices.filter((d) => d.type === 'virtual').map((d) => this.renderBlockDevice(m, d)),
      volume_groups: m.volume_groups.map((vg) => this.renderVolumeGroup(m, vg)),
      raids: [],
      cache_sets: [],
      bcaches: [],
      special_filesystems: [],
      node_type: 0,
      node_type_name: 'Machine',
      parent: null,
      default_gateways: { ipv4: this.defaultGateway(m), ipv6: { gateway_ip: null, link_id: null } },
      commissioning_status: m.commissioned ? 2 : -1,
      commissioning_status_name: m.commissioned ? 'Passed' : 'Unknown',
      testing_status: m.commissioned ? 2 : -1,
      testing_status_name: m.commissioned ? 'Passed' : 'Unknown',
      hardware_info: {
        system_vendor: 'drydock lab',
        system_product: 'emulated machine',
        system_version: '1',
        system_serial: m.lab,
        cpu_model: 'Lab CPU',
        mainboard_vendor: 'drydock lab',
        mainboard_product: 'lab board',
        mainboard_firmware_version: '1.0',
        mainboard_firmware_date: '2024-01-01',
      },
      numanode_set: [{ index: 0, cores: Array.from({ length: m.cpu_count }, (_, i) => i), memory: m.memory, hugepages_set: [] }],
      enable_hw_sync: false,
      enable_kernel_crash_dump: false,
      is_dpu: false,
      resource_uri: `${API}/machines/${m.system_id}/`,
    };
  }

  setStatus(machine: EmuMachine, status: StatusName, message = ''): void {
    if (machine.status !== status) machine.previous_status = machine.status;
    machine.status = status;
    machine.status_message = message;
  }
}

export function labKeyOf(machine: LabMachineConfig, _index: number): string {
  return machine.hostname ?? machine.interfaces[0].mac.toLowerCase();
}

export function normaliseIp(ip: string): string {
  const parsed = toAddress(ip);
  return parsed ? addressText(parsed) : ip;
}

export function inSubnet(subnet: Subnet, ip: string): boolean {
  return networkHas(subnet.cidr, ip);
}

export function newUuid(): string {
  return randomUUID();
}
