import { randomBytes } from 'node:crypto';
import { powerParametersFor } from './bmc';
import type { LabMachineConfig } from './config';
import { alignDown, labKeyOf, newUuid, EmuModel } from './model';
import { newSystemId, EmuBlockDevice, EmuInterface, EmuMachine } from './state';

/**
 * What MAAS learns about a machine: at enlistment (its NICs, which land on the PXE fabric or on
 * new fabrics of their own), at commissioning (its disks, a default storage layout, and the
 * discovered network configuration), and what "restore configuration" puts back.
 */
const ADJECTIVES = ['able', 'brave', 'calm', 'eager', 'fair', 'glad', 'keen', 'lucky', 'noble', 'proud', 'quick', 'sharp', 'tidy', 'vivid', 'witty'];
const ANIMALS = ['ant', 'bee', 'cat', 'doe', 'eel', 'fox', 'gnu', 'hen', 'ibis', 'jay', 'koi', 'lark', 'mole', 'newt', 'owl', 'pug', 'ram', 'seal', 'toad', 'yak'];

function petname(taken: Set<string>): string {
  for (;;) {
    const [a, b] = randomBytes(2);
    const name = `${ADJECTIVES[a % ADJECTIVES.length]}-${ANIMALS[b % ANIMALS.length]}`;
    if (!taken.has(name)) return name;
  }
}

export function enlistMachine(model: EmuModel, lab: LabMachineConfig, index: number): EmuMachine {
  const state = model.state;
  const taken = new Set(state.machines.map((m) => m.hostname));
  const pxeVlan = state.vlans.find((v) => v.id === state.subnets[0]?.vlan_id) ?? state.vlans[0];
  const interfaces: EmuInterface[] = lab.interfaces.map((nic, i) => {
    let vlanId = pxeVlan.id;
    if (i > 0) {
      // An interface on no known network gets a fabric of its own, as MAAS does.
      const fabricId = Math.max(...state.fabrics.map((f) => f.id)) + 1;
      state.fabrics.push({ id: fabricId, name: `fabric-${fabricId}`, description: '', class_type: null });
      vlanId = model.id();
      state.vlans.push({ id: vlanId, fabric_id: fabricId, vid: 0, name: 'untagged', mtu: 1500, description: '', dhcp_on: false, primary_rack: null, secondary_rack: null, relay_vlan: null });
    }
    return { id: model.id(), name: nic.name, type: 'physical', mac_address: nic.mac.toLowerCase(), vlan_id: vlanId, parents: [], enabled: true, mtu: null, params: {}, tags: [], links: [] };
  });
  const power = lab.bmc && lab.power === 'auto' ? powerParametersFor(lab.bmc) : { power_type: 'manual', power_parameters: {} };
  const machine: EmuMachine = {
    system_id: newSystemId(),
    hostname: lab.hostname && !taken.has(lab.hostname) ? lab.hostname : petname(taken),
    lab: labKeyOf(lab, index),
    domain_id: 0,
    architecture: lab.architecture,
    cpu_count: lab.cpuCount,
    memory: lab.memoryMiB,
    bios_boot_method: lab.biosBootMethod,
    status: 'New',
    previous_status: null,
    status_message: '',
    error_description: '',
    power_type: power.power_type,
    power_parameters: power.power_parameters,
    power_state: 'unknown',
    osystem: '',
    distro_series: '',
    hwe_kernel: null,
    owner: null,
    workload_annotations: {},
    user_data: null,
    commissioned: false,
    interfaces,
    boot_interface_id: interfaces[0].id,
    blockdevices: [],
    volume_groups: [],
    boot_disk_id: null,
    gateway_link_ipv4: null,
    operation: null,
    pending_power: [],
  };
  restoreNetworking(model, machine);
  state.machines.push(machine);
  state.enlisted.push(machine.lab);
  model.count(machine, 'enlist');
  return machine;
}

/** The discovered network configuration: bonds and VLAN interfaces gone, the boot interface
 * AUTO on the PXE subnet, the others up without an address. */
export function restoreNetworking(model: EmuModel, machine: EmuMachine): void {
  machine.interfaces = machine.interfaces.filter((i) => i.type === 'physical');
  machine.gateway_link_ipv4 = null;
  const pxeSubnet = model.state.subnets[0];
  for (const iface of machine.interfaces) {
    iface.parents = [];
    iface.mtu = null;
    iface.params = {};
    if (iface.id === machine.boot_interface_id && pxeSubnet) {
      iface.vlan_id = pxeSubnet.vlan_id;
      iface.links = [{ id: model.id(), mode: 'auto', subnet_id: pxeSubnet.id, ip_address: null }];
    } else {
      iface.links = [{ id: model.id(), mode: 'link_up', subnet_id: null, ip_address: null }];
    }
  }
}

/** The disks of the lab machine, keeping ids of disks MAAS already knew. */
export function discoverDisks(model: EmuModel, machine: EmuMachine, lab: LabMachineConfig | undefined): void {
  const disks = lab?.disks ?? [{ name: 'sda', size: 500_000_000_000, model: undefined, serial: undefined, blockSize: undefined }];
  const known = machine.blockdevices.filter((d) => d.type === 'physical');
  machine.blockdevices = disks.map((disk, i): EmuBlockDevice => {
    const existing = known.find((d) => d.name === disk.name);
    return {
      id: existing?.id ?? model.id(),
      name: disk.name,
      type: 'physical',
      size: disk.size,
      block_size: disk.blockSize ?? 512,
      model: disk.model ?? 'QEMU HARDDISK',
      serial: disk.serial ?? `lab-${machine.lab.replace(/[^a-z0-9]/gi, '')}-${i}`,
      id_path: `/dev/disk/by-id/wwn-0x5000c500${(i + 1).toString(16).padStart(8, '0')}`,
      uuid: null,
      filesystem: null,
      partition_table_type: null,
      partitions: [],
    };
  });
  machine.volume_groups = [];
  machine.boot_disk_id = machine.blockdevices[0]?.id ?? null;
}

/** MAAS's default "flat" layout on the boot disk: an EFI system partition (UEFI machines) and
 * one ext4 partition mounted at / taking the rest. With the `lvm` default layout, the rest is a
 * volume group `vgroot` with a logical volume `lvroot` mounted at /. */
export function defaultStorageLayout(model: EmuModel, machine: EmuMachine): void {
  machine.volume_groups = [];
  machine.blockdevices = machine.blockdevices.filter((d) => d.type === 'physical');
  for (const d of machine.blockdevices) {
    d.partitions = [];
    d.filesystem = null;
    d.partition_table_type = null;
  }
  const boot = machine.blockdevices.find((d) => d.id === machine.boot_disk_id) ?? machine.blockdevices[0];
  if (!boot) return;
  boot.partition_table_type = machine.bios_boot_method === 'uefi' ? 'GPT' : 'MBR';
  const uefi = machine.bios_boot_method === 'uefi';
  let available = boot.size - model.partitionOverhead(machine);
  if (uefi) {
    const efiSize = 512 * 1024 * 1024;
    boot.partitions.push({ id: model.id(), uuid: newUuid(), size: efiSize, bootable: true, filesystem: { fstype: 'fat32', label: 'efi', uuid: newUuid(), mount_point: '/boot/efi', mount_options: null } });
    available -= efiSize;
  }
  const rootSize = alignDown(available);
  const lvm = model.state.settings.default_storage_layout === 'lvm';
  const root = { id: model.id(), uuid: newUuid(), size: rootSize, bootable: false, filesystem: lvm ? null : { fstype: 'ext4', label: 'root', uuid: newUuid(), mount_point: '/', mount_options: null } };
  boot.partitions.push(root);
  if (lvm) {
    const vg = { id: model.id(), name: 'vgroot', uuid: newUuid(), members: [{ kind: 'partition' as const, id: root.id }] };
    machine.volume_groups.push(vg);
    machine.blockdevices.push({
      id: model.id(),
      name: 'vgroot-lvroot',
      type: 'virtual',
      size: model.vgSize(machine, vg),
      block_size: 4096,
      model: null,
      serial: null,
      id_path: null,
      uuid: newUuid(),
      filesystem: { fstype: 'ext4', label: 'root', uuid: newUuid(), mount_point: '/', mount_options: null },
      partition_table_type: null,
      partitions: [],
      volume_group_id: vg.id,
    });
  }
}
