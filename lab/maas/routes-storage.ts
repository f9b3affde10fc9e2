import { badRequest, Params } from './http';
import { alignDown, newUuid, PARTITION_ALIGNMENT } from './model';
import { Reply, Router, RouteContext } from './router';
import { EmuBlockDevice, EmuFilesystem, EmuMachine } from './state';

/**
 * Storage: block devices (format, mount, boot disk), partitions and volume groups with their
 * logical volumes, with MAAS's rules: the machine states of state-rules.ts (checked by the
 * server before a handler runs: creating and deleting need Ready, format and mount also
 * Allocated), partitions aligned down to 4 MiB, no filesystem on a partitioned disk, no
 * partition or volume group member that is already used.
 */
const FSTYPES = ['ext2', 'ext3', 'ext4', 'xfs', 'btrfs', 'fat32', 'vfat', 'swap', 'ramfs', 'tmpfs', 'zfsroot', 'bcache-backing'];

function machineOf(ctx: RouteContext): EmuMachine {
  return ctx.model.machine(ctx.match[0]);
}

function format(params: Params): EmuFilesystem {
  const fstype = params.required('fstype');
  if (!FSTYPES.includes(fstype)) throw badRequest('fstype', `Select a valid choice. ${fstype} is not one of the available choices.`);
  return { fstype, uuid: params.str('uuid') || newUuid(), label: params.str('label') || null, mount_point: null, mount_options: null };
}

function mount(params: Params, fs: EmuFilesystem | null, what: string): void {
  if (!fs) throw badRequest('__all__', `Cannot mount an unformatted ${what}.`);
  const point = params.required('mount_point');
  if (point !== 'none' && !point.startsWith('/')) throw badRequest('mount_point', 'Enter a valid absolute path or "none".');
  if (fs.fstype === 'swap' && point !== 'none') throw badRequest('mount_point', 'swap filesystems are "mounted" at none.');
  fs.mount_point = point;
  fs.mount_options = params.str('mount_options') || null;
}

function unformat(fs: EmuFilesystem | null, what: string): void {
  if (!fs) throw badRequest('__all__', `${what} is not formatted.`);
  if (fs.mount_point) throw badRequest('__all__', 'Filesystem is mounted and cannot be unformatted. Unmount the filesystem before unformatting.');
}

export function addStorageRoutes(router: Router): void {
  const devices = 'nodes/{system_id}/blockdevices/';
  const device = `${devices}{id}/`;
  const deviceOf = (ctx: RouteContext) => ctx.model.blockDevice(machineOf(ctx), ctx.match[1]);

  router.get(devices, (ctx) => {
    const machine = machineOf(ctx);
    return machine.blockdevices.map((d) => ctx.model.renderBlockDevice(machine, d));
  });
  router.get(device, (ctx) => ctx.model.renderBlockDevice(machineOf(ctx), deviceOf(ctx)));
  router.delete(device, (ctx) => {
    const machine = machineOf(ctx);
    const d = deviceOf(ctx);
    if (d.type === 'virtual') machine.blockdevices = machine.blockdevices.filter((x) => x !== d);
    else {
      if (ctx.model.vgOfMember(machine, 'device', d.id) || d.partitions.some((p) => ctx.model.vgOfMember(machine, 'partition', p.id))) {
        throw badRequest('__all__', 'Cannot delete block device because it is part of a volume group.');
      }
      machine.blockdevices = machine.blockdevices.filter((x) => x !== d);
      if (machine.boot_disk_id === d.id) machine.boot_disk_id = null;
    }
    return new Reply(204, '');
  });

  const deviceOp = (op: string, fn: (ctx: RouteContext, machine: EmuMachine, d: EmuBlockDevice) => void) =>
    router.post(
      device,
      (ctx) => {
        const machine = machineOf(ctx);
        const d = deviceOf(ctx);
        fn(ctx, machine, d);
        return ctx.model.renderBlockDevice(machine, d);
      },
      op,
    );
  deviceOp('format', (ctx, machine, d) => {
    if (d.partitions.length > 0) throw badRequest('__all__', 'Cannot format block device with partitions.');
    if (ctx.model.vgOfMember(machine, 'device', d.id)) throw badRequest('__all__', 'Cannot format a block device that is part of a volume group.');
    if (d.filesystem?.mount_point) throw badRequest('__all__', 'Cannot format a filesystem that is mounted.');
    d.filesystem = format(ctx.params);
  });
  deviceOp('unformat', (_ctx, _machine, d) => {
    unformat(d.filesystem, `Block device ${d.name}`);
    d.filesystem = null;
  });
  deviceOp('mount', (ctx, _machine, d) => mount(ctx.params, d.filesystem, 'block device'));
  deviceOp('unmount', (_ctx, _machine, d) => {
    if (!d.filesystem?.mount_point) throw badRequest('__all__', 'Filesystem is already unmounted.');
    d.filesystem.mount_point = null;
    d.filesystem.mount_options = null;
  });
  deviceOp('set_boot_disk', (_ctx, machine, d) => {
    if (d.type !== 'physical') throw badRequest('__all__', 'Cannot set a virtual block device as the boot disk.');
    machine.boot_disk_id = d.id;
  });

  // ---- partitions
  const partitions = `${devices}{device_id}/partitions/`;
  const partition = `${devices}{device_id}/partition/{id}`;
  const partitionAlt = `${devices}{device_id}/partitions/{id}`;
  router.get(partitions, (ctx) => {
    const machine = machineOf(ctx);
    const d = deviceOf(ctx);
    return d.partitions.map((p) => ctx.model.renderPartition(machine, d, p));
  });
  router.post(partitions, (ctx) => {
    const { model, params } = ctx;
    const machine = machineOf(ctx);
    const d = deviceOf(ctx);
    if (d.filesystem || model.vgOfMember(machine, 'device', d.id)) throw badRequest('__all__', `Cannot create a partition on ${d.name}: it is formatted or in a volume group.`);
    if (d.partition_table_type === null) d.partition_table_type = machine.bios_boot_method === 'uefi' || d.size > 2 * 1024 ** 4 ? 'GPT' : 'MBR';
    const available = model.deviceAvailable(machine, d);
    let size = params.has('size') ? params.requiredInt('size') : available;
    size = alignDown(size);
    if (size < PARTITION_ALIGNMENT) throw badRequest('size', 'Ensure this value is greater than or equal to 4194304.');
    if (size > available) {
      const adjusted = size - d.block_size;
      if (adjusted > available) throw badRequest('size', `Partition cannot be resized to fit on the block device; not enough free space.`);
      size = alignDown(available);
    }
    if (d.partition_table_type === 'MBR' && d.partitions.length >= 4) throw badRequest('__all__', 'MBR partition tables hold at most 4 partitions.');
    const p = { id: model.id(), uuid: params.str('uuid') || newUuid(), size, bootable: params.bool('bootable'), filesystem: null };
    d.partitions.push(p);
    return model.renderPartition(machine, d, p);
  });
  for (const path of [partition, partitionAlt]) {
    const partOf = (ctx: RouteContext) => ctx.model.partition(deviceOf(ctx), ctx.match[2]);
    router.get(path, (ctx) => ctx.model.renderPartition(machineOf(ctx), deviceOf(ctx), partOf(ctx)));
    router.delete(path, (ctx) => {
      const machine = machineOf(ctx);
      const d = deviceOf(ctx);
      const p = partOf(ctx);
      if (ctx.model.vgOfMember(machine, 'partition', p.id)) throw badRequest('__all__', 'Cannot delete partition because it is part of a volume group.');
      d.partitions = d.partitions.filter((x) => x !== p);
      return new Reply(204, '');
    });
    const partOp = (op: string, fn: (ctx: RouteContext, machine: EmuMachine, p: ReturnType<typeof partOf>) => void) =>
      router.post(
        path,
        (ctx) => {
          const machine = machineOf(ctx);
          const d = deviceOf(ctx);
          const p = partOf(ctx);
          fn(ctx, machine, p);
          return ctx.model.renderPartition(machine, d, p);
        },
        op,
      );
    partOp('format', (ctx, machine, p) => {
      if (ctx.model.vgOfMember(machine, 'partition', p.id)) throw badRequest('__all__', 'Cannot format a partition that is part of a volume group.');
      if (p.filesystem?.mount_point) throw badRequest('__all__', 'Cannot format a filesystem that is mounted.');
      p.filesystem = format(ctx.params);
    });
    partOp('unformat', (_ctx, _machine, p) => {
      unformat(p.filesystem, 'Partition');
      p.filesystem = null;
    });
    partOp('mount', (ctx, _machine, p) => mount(ctx.params, p.filesystem, 'partition'));
    partOp('unmount', (_ctx, _machine, p) => {
      if (!p.filesystem?.mount_point) throw badRequest('__all__', 'Filesystem is already unmounted.');
      p.filesystem.mount_point = null;
      p.filesystem.mount_options = null;
    });
  }

  // ---- volume groups
  const vgs = 'nodes/{system_id}/volume-groups/';
  router.get(vgs, (ctx) => {
    const machine = machineOf(ctx);
    return machine.volume_groups.map((vg) => ctx.model.renderVolumeGroup(machine, vg));
  });
  router.post(vgs, (ctx) => {
    const { model, params } = ctx;
    const machine = machineOf(ctx);
    const name = params.required('name');
    if (machine.volume_groups.some((v) => v.name === name)) throw badRequest('name', 'Volume group with this Name already exists.');
    const members: Array<{ kind: 'device' | 'partition'; id: number }> = [];
    for (const id of params.list('block_devices')) {
      const d = machine.blockdevices.find((x) => String(x.id) === id && x.type === 'physical');
      if (!d) throw badRequest('block_devices', `Select a valid choice. ${id} is not one of the available choices.`);
      if (d.filesystem || d.partitions.length > 0 || model.vgOfMember(machine, 'device', d.id)) throw badRequest('block_devices', `${d.name} is already in use.`);
      members.push({ kind: 'device', id: d.id });
    }
    for (const id of params.list('partitions')) {
      const p = machine.blockdevices.flatMap((d) => d.partitions).find((x) => String(x.id) === id);
      if (!p) throw badRequest('partitions', `Select a valid choice. ${id} is not one of the available choices.`);
      if (p.filesystem || model.vgOfMember(machine, 'partition', p.id)) throw badRequest('partitions', `Partition ${p.id} is already in use.`);
      members.push({ kind: 'partition', id: p.id });
    }
    if (members.length === 0) throw badRequest('__all__', 'At least one valid block device or partition is required.');
    const vg = { id: model.id(), name, uuid: params.str('uuid') || newUuid(), members };
    machine.volume_groups.push(vg);
    return model.renderVolumeGroup(machine, vg);
  });
  for (const path of ['nodes/{system_id}/volume-group/{id}/', 'nodes/{system_id}/volume-groups/{id}/']) {
    const vgOf = (ctx: RouteContext) => ctx.model.volumeGroup(machineOf(ctx), ctx.match[1]);
    router.get(path, (ctx) => ctx.model.renderVolumeGroup(machineOf(ctx), vgOf(ctx)));
    router.put(path, (ctx) => {
      const machine = machineOf(ctx);
      const vg = vgOf(ctx);
      if (ctx.params.has('name')) vg.name = ctx.params.required('name');
      if (ctx.params.has('uuid')) vg.uuid = ctx.params.required('uuid');
      return ctx.model.renderVolumeGroup(machine, vg);
    });
    router.delete(path, (ctx) => {
      const machine = machineOf(ctx);
      const vg = vgOf(ctx);
      machine.blockdevices = machine.blockdevices.filter((d) => d.volume_group_id !== vg.id);
      machine.volume_groups = machine.volume_groups.filter((v) => v !== vg);
      return new Reply(204, '');
    });
    router.post(
      path,
      (ctx) => {
        const { model, params } = ctx;
        const machine = machineOf(ctx);
        const vg = vgOf(ctx);
        const lvName = params.required('name');
        const fullName = `${vg.name}-${lvName}`;
        if (machine.blockdevices.some((d) => d.name === fullName)) throw badRequest('name', `A logical volume named ${lvName} already exists in ${vg.name}.`);
        const available = model.vgSize(machine, vg) - model.vgUsed(machine, vg);
        const size = alignDown(params.has('size') ? params.requiredInt('size') : available);
        if (size < PARTITION_ALIGNMENT) throw badRequest('size', 'Ensure this value is greater than or equal to 4194304.');
        if (size > available) throw badRequest('size', `Size is too large. Maximum size is ${available}.`);
        const lv: EmuBlockDevice = {
          id: model.id(),
          name: fullName,
          type: 'virtual',
          size,
          block_size: 4096,
          model: null,
          serial: null,
          id_path: null,
          uuid: params.str('uuid') || newUuid(),
          filesystem: null,
          partition_table_type: null,
          partitions: [],
          volume_group_id: vg.id,
        };
        machine.blockdevices.push(lv);
        return model.renderBlockDevice(machine, lv);
      },
      'create_logical_volume',
    );
    router.post(
      path,
      (ctx) => {
        const machine = machineOf(ctx);
        const vg = vgOf(ctx);
        const id = ctx.params.required('id');
        machine.blockdevices = machine.blockdevices.filter((d) => !(d.volume_group_id === vg.id && String(d.id) === id));
        return new Reply(204, '');
      },
      'delete_logical_volume',
    );
  }
}

