import type { FilesystemModel, NodeModel } from '../../../design/model';
import { nodeError } from './session';
import { ALIGNMENT, alignDown, formatBytes, parseSize, SIZE_SYNTAX, sizeMatches, SizeSpec } from './sizes';
import type { MaasBlockDevice, MaasFilesystem, MaasMachine, MaasPartition, MaasVolumeGroup } from './types';

/**
 * The plan half of ApplyNodeStorage (node-storage.ts is the apply half): the node's disks as
 * the design lays them out, checked against the machine before the first write, and the diff
 * with what the machine carries now. Pure: no requests.
 *
 * Desired state: every designed physical device carries exactly its designed partitions (in
 * order, with size, bootable flag, filesystem and mount), or is wholly a physical volume of its
 * volume group; every designed volume group has exactly its members and logical volumes;
 * physical devices the design does not mention carry nothing (as after Drydock's storage reset);
 * the device holding `/` is MAAS's boot disk.
 */

/** MAAS reserves 4 MiB at the start of a partitioned disk and 1 MiB at its end; BIOS-booting
 * amd64 machines also get a 1 MiB bios_grub partition. */
const PARTITION_TABLE_OVERHEAD = 5 * 1024 * 1024;
const BIOS_GRUB = 1 * 1024 * 1024;

export interface DesiredFs {
  fstype: string;
  mountPoint?: string;
  mountOptions?: string;
  uuid?: string;
  label?: string;
}

export interface DesiredPartition {
  name: string;
  bytes: number;
  bootable: boolean;
  uuid?: string;
  fs?: DesiredFs;
  vg?: string;
}

export interface DesiredDevice {
  name: string;
  device: MaasBlockDevice;
  vg?: string;
  partitions: DesiredPartition[];
}

export interface DesiredLv {
  name: string;
  spec: SizeSpec;
  sizeText: string;
  uuid?: string;
  fs?: DesiredFs;
}

export interface DesiredVg {
  name: string;
  uuid?: string;
  lvs: DesiredLv[];
  /** Members as (device name, partition index or undefined for the whole device). */
  members: Array<{ device: string; partition?: number }>;
}

export interface StoragePlan {
  devices: DesiredDevice[];
  vgs: DesiredVg[];
  /** The physical device holding `/`, when the design mounts one. */
  rootDevice?: string;
}

function desiredFs(fs: FilesystemModel | undefined): DesiredFs | undefined {
  if (!fs || (!fs.mountpoint && !fs.fstype)) return undefined;
  return { fstype: (fs.fstype ?? 'ext4').toLowerCase(), mountPoint: fs.mountpoint, mountOptions: fs.mountOptions, uuid: fs.fsUuid, label: fs.fsLabel };
}

function sizeOf(node: NodeModel, what: string, text: string | undefined): SizeSpec {
  if (!text) throw nodeError(node, 'InvalidRequest', `${what} has no size`);
  const spec = parseSize(text);
  if (!spec) throw nodeError(node, 'InvalidRequest', `${what} has size "${text}", which is not ${SIZE_SYNTAX}`);
  return spec;
}

/** Sizes of items sharing a space: fixed and percentage sizes first, then the one `>` item takes
 * what is left (at least its minimum). */
function resolveSizes(node: NodeModel, where: string, total: number, available: number, items: Array<{ name: string; spec: SizeSpec }>): number[] {
  const rest = items.filter((i) => i.spec.kind === 'rest' || (i.spec.kind === 'percent' && i.spec.min));
  if (rest.length > 1) throw nodeError(node, 'InvalidRequest', `${where}: ${rest.map((r) => r.name).join(' and ')} both ask for the rest of the space; only one can`);
  const sizes = items.map((i) => {
    if (i.spec.kind === 'fixed') return alignDown(i.spec.bytes);
    if (i.spec.kind === 'percent' && !i.spec.min) return alignDown((total * i.spec.percent) / 100);
    return 0;
  });
  const used = sizes.reduce((a, b) => a + b, 0);
  if (used > available) {
    throw nodeError(node, 'InvalidRequest', `${where}: the sizes add up to ${formatBytes(used)} but only ${formatBytes(available)} is available`);
  }
  items.forEach((item, index) => {
    if (item.spec.kind === 'fixed' || (item.spec.kind === 'percent' && !item.spec.min)) return;
    const minimum = item.spec.kind === 'rest' ? item.spec.minBytes : (total * item.spec.percent) / 100;
    const left = alignDown(available - used);
    if (left < minimum) {
      throw nodeError(node, 'InvalidRequest', `${where}: ${item.name} needs at least ${formatBytes(minimum)} but only ${formatBytes(left)} is left`);
    }
    sizes[index] = left;
  });
  for (const [index, size] of sizes.entries()) {
    if (size < ALIGNMENT) throw nodeError(node, 'InvalidRequest', `${where}: ${items[index].name} would be ${formatBytes(size)}; MAAS needs at least 4 MiB`);
  }
  return sizes;
}

export function partitionOverhead(machine: Pick<MaasMachine, 'bios_boot_method' | 'architecture'>): number {
  const bios = machine.bios_boot_method !== 'uefi' && (machine.architecture ?? 'amd64').startsWith('amd64');
  return PARTITION_TABLE_OVERHEAD + (bios ? BIOS_GRUB : 0);
}

/** Builds the desired layout; throws (before any change) when the design cannot be applied. */
export function planNodeStorage(node: NodeModel, machine: MaasMachine): StoragePlan {
  const physical = machine.blockdevice_set.filter((d) => d.type === 'physical');
  const vgNames = new Set(node.storage.volumeGroups.map((v) => v.name));
  const members = new Map<string, DesiredVg['members']>();
  const devices: DesiredDevice[] = [];
  let rootDevice: string | undefined;
  const mountPoints = new Set<string>();
  const noteMount = (fs: DesiredFs | undefined, what: string) => {
    if (!fs?.mountPoint || fs.mountPoint === 'none') return;
    if (mountPoints.has(fs.mountPoint)) throw nodeError(node, 'InvalidRequest', `${what} mounts ${fs.mountPoint}, which another filesystem of the node already mounts`);
    mountPoints.add(fs.mountPoint);
  };

  for (const d of node.storage.physicalDevices) {
    const device = physical.find((p) => p.name === d.name);
    if (!device) {
      const label = d.alias && d.alias !== d.name ? `${d.name} (alias ${d.alias})` : d.name;
      throw nodeError(node, 'NotFound', `storage device ${label} does not exist on MAAS machine ${machine.system_id} (it has ${physical.map((p) => p.name).join(', ') || 'no disks'})`, {
        device: d.name,
        machine: machine.system_id,
      });
    }
    if (devices.some((x) => x.name === d.name)) throw nodeError(node, 'InvalidRequest', `storage device ${d.name} is listed twice`);
    if (d.volumeGroup) {
      if (!vgNames.has(d.volumeGroup)) throw nodeError(node, 'InvalidRequest', `storage device ${d.name} joins volume group ${d.volumeGroup}, which the node does not define`);
      if (d.partitions.length > 0) throw nodeError(node, 'InvalidRequest', `storage device ${d.name} is a whole-disk member of volume group ${d.volumeGroup} and also has partitions`);
      members.set(d.volumeGroup, [...(members.get(d.volumeGroup) ?? []), { device: d.name }]);
      devices.push({ name: d.name, device, vg: d.volumeGroup, partitions: [] });
      continue;
    }
    const where = `storage device ${d.name}`;
    const available = device.size - partitionOverhead(machine);
    const sizes = resolveSizes(
      node,
      where,
      device.size,
      available,
      d.partitions.map((p) => ({ name: `partition ${p.name}`, spec: sizeOf(node, `partition ${p.name} on ${d.name}`, p.size) })),
    );
    const partitions = d.partitions.map((p, index): DesiredPartition => {
      const fs = desiredFs(p.filesystem);
      if (p.volumeGroup) {
        if (!vgNames.has(p.volumeGroup)) throw nodeError(node, 'InvalidRequest', `partition ${p.name} on ${d.name} joins volume group ${p.volumeGroup}, which the node does not define`);
        if (fs) throw nodeError(node, 'InvalidRequest', `partition ${p.name} on ${d.name} is in volume group ${p.volumeGroup} and also has a filesystem`);
        members.set(p.volumeGroup, [...(members.get(p.volumeGroup) ?? []), { device: d.name, partition: index }]);
      }
      noteMount(fs, `partition ${p.name} on ${d.name}`);
      if (fs?.mountPoint === '/') rootDevice = d.name;
      return { name: p.name, bytes: sizes[index], bootable: p.bootable, uuid: p.partUuid, fs, vg: p.volumeGroup };
    });
    devices.push({ name: d.name, device, partitions });
  }

  const vgs = node.storage.volumeGroups.map((v): DesiredVg => {
    const vgMembers = members.get(v.name) ?? [];
    if (vgMembers.length === 0) throw nodeError(node, 'InvalidRequest', `volume group ${v.name} has no physical volumes: no device or partition names it`);
    const lvs = v.logicalVolumes.map((lv): DesiredLv => {
      const fs = desiredFs(lv.filesystem);
      noteMount(fs, `logical volume ${lv.name} of ${v.name}`);
      if (fs?.mountPoint === '/') rootDevice = vgMembers[0].device;
      return { name: lv.name, spec: sizeOf(node, `logical volume ${lv.name} of ${v.name}`, lv.size), sizeText: lv.size ?? '', uuid: lv.lvUuid, fs };
    });
    return { name: v.name, uuid: v.vgUuid, lvs, members: vgMembers };
  });
  return { devices, vgs, rootDevice };
}

export function fsMatches(current: MaasFilesystem | null, wanted: DesiredFs | undefined): boolean {
  if (!wanted) return !current || current.fstype === 'lvm-pv';
  if (!current) return false;
  const norm = (t: string) => (t === 'vfat' ? 'fat32' : t.toLowerCase());
  if (norm(current.fstype) !== norm(wanted.fstype)) return false;
  if ((current.mount_point ?? '') !== (wanted.mountPoint ?? '')) return false;
  if ((current.mount_options ?? '') !== (wanted.mountOptions ?? '')) return false;
  if (wanted.uuid && current.uuid !== wanted.uuid) return false;
  if (wanted.label && current.label !== wanted.label) return false;
  return true;
}

export function memberKey(member: MaasBlockDevice | MaasPartition): string {
  return member.type === 'partition' ? `p${member.id}` : `d${member.id}`;
}

export function lvShortName(vg: MaasVolumeGroup, lv: MaasBlockDevice): string {
  return lv.name.startsWith(`${vg.name}-`) ? lv.name.slice(vg.name.length + 1) : lv.name;
}

/** The sizes of a volume group's logical volumes in a group of `vgSize` bytes. */
export function lvSizes(node: NodeModel, vg: DesiredVg, vgSize: number): number[] {
  return resolveSizes(
    node,
    `volume group ${vg.name}`,
    vgSize,
    vgSize,
    vg.lvs.map((lv) => ({ name: `logical volume ${lv.name}`, spec: lv.spec })),
  );
}

/** What the apply step changes: the devices to clear and rebuild, the volume groups to keep. */
export interface StorageDiff {
  /** Physical devices (designed or not) whose current layout differs: cleared, then rebuilt. */
  rebuild: Set<string>;
  /** Designed volume groups that already match, on devices that are not rebuilt. */
  keepVgs: Set<string>;
}

/**
 * Compares the plan with the machine's current layout. A device matches when it carries
 * exactly its designed partitions (sizes within MAAS's alignment, bootable flag, UUID, volume
 * group or filesystem); an undesigned device matches when it carries nothing. A volume group
 * matches when its members, logical volumes, sizes and filesystems do and none of its devices
 * is rebuilt.
 */
export function diffStorage(node: NodeModel, plan: StoragePlan, machine: MaasMachine, currentVgs: MaasVolumeGroup[]): StorageDiff {
  const vgOf = (member: MaasBlockDevice | MaasPartition) => currentVgs.find((vg) => vg.devices.some((m) => memberKey(m) === memberKey(member)));
  const deviceOk = (d: DesiredDevice): boolean => {
    const dev = d.device;
    if (d.vg) return dev.partitions.length === 0 && vgOf(dev)?.name === d.vg;
    if (vgOf(dev) || (dev.filesystem && dev.filesystem.fstype !== 'lvm-pv')) return false;
    if (dev.partitions.length !== d.partitions.length) return false;
    const ordered = [...dev.partitions].sort((a, b) => a.id - b.id);
    return d.partitions.every((want, i) => {
      const have = ordered[i];
      if (!sizeMatches(have.size, want.bytes) || have.bootable !== want.bootable) return false;
      if (want.uuid && have.uuid !== want.uuid) return false;
      if ((vgOf(have)?.name ?? undefined) !== want.vg) return false;
      return want.vg ? true : fsMatches(have.filesystem, want.fs);
    });
  };
  const undesigned = machine.blockdevice_set.filter((d) => d.type === 'physical' && !plan.devices.some((x) => x.name === d.name));
  const rebuild = new Set<string>(plan.devices.filter((d) => !deviceOk(d)).map((d) => d.name));
  for (const dev of undesigned) if (dev.partitions.length > 0 || dev.filesystem || vgOf(dev)) rebuild.add(dev.name);

  const vgOk = (want: DesiredVg): boolean => {
    const vg = currentVgs.find((v) => v.name === want.name);
    if (!vg) return false;
    if (want.members.some((m) => rebuild.has(m.device))) return false;
    if (want.uuid && vg.uuid !== want.uuid) return false;
    const wantedKeys = want.members
      .map((m) => {
        const dev = plan.devices.find((d) => d.name === m.device)!.device;
        return m.partition === undefined ? memberKey(dev) : memberKey([...dev.partitions].sort((a, b) => a.id - b.id)[m.partition]);
      })
      .sort();
    if (wantedKeys.join(',') !== vg.devices.map(memberKey).sort().join(',')) return false;
    if (vg.logical_volumes.length !== want.lvs.length) return false;
    let sizes: number[];
    try {
      sizes = lvSizes(node, want, vg.size);
    } catch {
      return false;
    }
    return want.lvs.every((lv, i) => {
      const have = vg.logical_volumes.find((l) => lvShortName(vg, l) === lv.name);
      return !!have && sizeMatches(have.size, sizes[i]) && (!lv.uuid || have.uuid === lv.uuid) && fsMatches(have.filesystem, lv.fs);
    });
  };
  return { rebuild, keepVgs: new Set(plan.vgs.filter(vgOk).map((v) => v.name)) };
}

/** The checks of planNodeStorage that need no MAAS machine: sizes parse, volume groups are
 * defined and used, at most one `>` size per device or volume group, mount points unique. */
export function validateStorageDesign(node: NodeModel): void {
  const vgNames = new Set(node.storage.volumeGroups.map((v) => v.name));
  const used = new Set<string>();
  const mounts = new Set<string>();
  const mount = (fs: FilesystemModel | undefined, what: string) => {
    const point = fs?.mountpoint;
    if (!point || point === 'none') return;
    if (mounts.has(point)) throw nodeError(node, 'InvalidRequest', `${what} mounts ${point}, which another filesystem of the node already mounts`);
    mounts.add(point);
  };
  const checkRest = (where: string, specs: Array<{ name: string; spec: SizeSpec }>) => {
    const rest = specs.filter((s) => s.spec.kind === 'rest' || (s.spec.kind === 'percent' && s.spec.min));
    if (rest.length > 1) throw nodeError(node, 'InvalidRequest', `${where}: ${rest.map((r) => r.name).join(' and ')} both ask for the rest of the space; only one can`);
  };
  for (const d of node.storage.physicalDevices) {
    if (d.volumeGroup) {
      if (!vgNames.has(d.volumeGroup)) throw nodeError(node, 'InvalidRequest', `storage device ${d.name} joins volume group ${d.volumeGroup}, which the node does not define`);
      used.add(d.volumeGroup);
    }
    const specs = d.partitions.map((p) => {
      if (p.volumeGroup) {
        if (!vgNames.has(p.volumeGroup)) throw nodeError(node, 'InvalidRequest', `partition ${p.name} on ${d.name} joins volume group ${p.volumeGroup}, which the node does not define`);
        used.add(p.volumeGroup);
      }
      mount(p.filesystem, `partition ${p.name} on ${d.name}`);
      return { name: `partition ${p.name}`, spec: sizeOf(node, `partition ${p.name} on ${d.name}`, p.size) };
    });
    checkRest(`storage device ${d.name}`, specs);
  }
  for (const vg of node.storage.volumeGroups) {
    if (!used.has(vg.name)) throw nodeError(node, 'InvalidRequest', `volume group ${vg.name} has no physical volumes: no device or partition names it`);
    const specs = vg.logicalVolumes.map((lv) => {
      mount(lv.filesystem, `logical volume ${lv.name} of ${vg.name}`);
      return { name: `logical volume ${lv.name}`, spec: sizeOf(node, `logical volume ${lv.name} of ${vg.name}`, lv.size) };
    });
    checkRest(`volume group ${vg.name}`, specs);
  }
}
