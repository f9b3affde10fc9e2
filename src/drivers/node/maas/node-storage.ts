import type { NodeModel } from '../../../design/model';
import type { ActionOutcome } from '../../context';
import { withKernelDeviceNames } from './device-names';
import { checkEditable, EDITABLE_STORAGE_STATES, readMachine, requireMachine } from './machines';
import { ChangeLog, MaasSession, nodeError } from './session';
import { formatBytes } from './sizes';
import { diffStorage, lvSizes, planNodeStorage, type StorageDiff, type StoragePlan } from './storage-plan';
import { STATUS, type MaasBlockDevice, type MaasMachine, type MaasPartition, type MaasVolumeGroup } from './types';

/**
 * ApplyNodeStorage: the node's disks as the design lays them out, declaratively. The plan and
 * the diff are storage-plan.ts; this is the apply step. A device whose layout already matches
 * is left alone (sizes compare within MAAS's 4 MiB alignment); one that differs is cleared and
 * rebuilt, with the volume groups that use it. The whole plan (devices present, sizes parse and
 * fit) is checked before the first write.
 */
export async function applyNodeStorage(session: MaasSession, node: NodeModel): Promise<ActionOutcome> {
  const found = await requireMachine(session, node);
  if (checkEditable(node, found, EDITABLE_STORAGE_STATES, 'storage') === 'deployed') {
    return { changed: false, message: `node ${node.name}: MAAS machine ${found.system_id} is ${found.status_name}; its storage was laid out at deployment (DestroyNode first to change it)` };
  }
  const systemId = found.system_id;
  const machine = await readMachine(session, systemId);
  const plan = planNodeStorage(await withKernelDeviceNames(session, node, systemId), machine);
  const step: StorageStep = { session, node, sid: encodeURIComponent(systemId), plan, log: new ChangeLog(session.ctx) };
  const currentVgs = await session.client.get<MaasVolumeGroup[]>(`nodes/${step.sid}/volume-groups/`, undefined, session.ctx.signal);
  const diff = diffStorage(node, plan, machine, currentVgs);
  requireReadyForChanges(node, machine, plan, diff, currentVgs);

  await deleteVolumeGroups(step, currentVgs, diff);
  await clearDevices(step, machine, diff);
  const partitionIds = await buildDevices(step, diff);
  await buildVolumeGroups(step, diff, partitionIds);
  await ensureBootDisk(step, systemId);

  return {
    changed: step.log.changed,
    message: step.log.summary(`node ${node.name} storage (MAAS machine ${systemId})`, 'every disk already matches the design'),
    details: { machine: systemId, changes: step.log.changes.length, devices: plan.devices.length, volumeGroups: plan.vgs.length },
  };
}

/**
 * MAAS creates and deletes partitions, volume groups and logical volumes and sets the boot disk
 * only on Ready machines (partitions.py, volume_groups.py, blockdevices.py: NodeStateViolation,
 * HTTP 409); format and mount are also allowed on Allocated ones. An Allocated machine whose
 * layout already matches passes; one that needs changes gets a clear error before any write.
 */
function requireReadyForChanges(node: NodeModel, machine: MaasMachine, plan: StoragePlan, diff: StorageDiff, currentVgs: MaasVolumeGroup[]): void {
  if (machine.status_name === STATUS.ready) return;
  const bootDiskDiffers = plan.rootDevice !== undefined && machine.boot_disk?.name !== plan.rootDevice;
  const changes = diff.rebuild.size > 0 || currentVgs.some((vg) => !diff.keepVgs.has(vg.name)) || plan.vgs.some((vg) => !diff.keepVgs.has(vg.name)) || bootDiskDiffers;
  if (!changes) return;
  throw nodeError(
    node,
    'InvalidRequest',
    `MAAS machine ${machine.system_id} is ${machine.status_name}, and MAAS changes storage only on Ready machines; release it first (DestroyNode), then run ApplyNodeStorage again`,
    { machine: machine.system_id, status: machine.status_name },
  );
}

/** What every apply step works with: the session, the node, its machine's id in a path, the plan. */
interface StorageStep {
  session: MaasSession;
  node: NodeModel;
  /** The machine's system_id, URI-encoded for paths. */
  sid: string;
  plan: StoragePlan;
  log: ChangeLog;
}

/** 1. Volume groups that go: not designed, not matching, or on a device being rebuilt. */
async function deleteVolumeGroups({ session: { client, ctx }, sid, log }: StorageStep, currentVgs: MaasVolumeGroup[], diff: StorageDiff): Promise<void> {
  for (const vg of currentVgs) {
    if (diff.keepVgs.has(vg.name)) continue;
    await client.delete(`nodes/${sid}/volume-group/${vg.id}/`, ctx.signal);
    log.add(`deleted volume group ${vg.name}`);
  }
}

/** 2. Devices that differ: their partitions deleted, their filesystem unmounted and removed. */
async function clearDevices({ session: { client, ctx }, sid, log }: StorageStep, machine: MaasMachine, diff: StorageDiff): Promise<void> {
  for (const name of diff.rebuild) {
    const dev = machine.blockdevice_set.find((d) => d.name === name)!;
    for (const part of [...dev.partitions].sort((a, b) => b.id - a.id)) {
      await client.delete(`nodes/${sid}/blockdevices/${dev.id}/partition/${part.id}`, ctx.signal);
      log.add(`deleted partition ${part.path || part.id} of ${name}`);
    }
    if (dev.filesystem && dev.filesystem.fstype !== 'lvm-pv') {
      if (dev.filesystem.mount_point) await client.post(`nodes/${sid}/blockdevices/${dev.id}/`, 'unmount', {}, ctx.signal);
      await client.post(`nodes/${sid}/blockdevices/${dev.id}/`, 'unformat', {}, ctx.signal);
      log.add(`removed the ${dev.filesystem.fstype} filesystem of ${name}`);
    }
  }
}

/** 3. Designed devices that were cleared: partitions, filesystems, mounts. Returns every designed
 * device's partition ids in order (the kept ones as they are), for the volume groups' members. */
async function buildDevices({ session: { client, ctx }, sid, plan, log }: StorageStep, diff: StorageDiff): Promise<Map<string, number[]>> {
  const partitionIds = new Map<string, number[]>();
  for (const d of plan.devices) {
    if (!diff.rebuild.has(d.name)) {
      partitionIds.set(d.name, [...d.device.partitions].sort((a, b) => a.id - b.id).map((p) => p.id));
      continue;
    }
    const ids: number[] = [];
    for (const p of d.partitions) {
      const created = await client.post<MaasPartition>(`nodes/${sid}/blockdevices/${d.device.id}/partitions/`, undefined, { size: p.bytes, uuid: p.uuid, bootable: p.bootable }, ctx.signal);
      ids.push(created.id);
      log.add(`created partition ${p.name} (${formatBytes(p.bytes)}) on ${d.name}`);
      const path = `nodes/${sid}/blockdevices/${d.device.id}/partition/${created.id}`;
      if (p.fs) {
        await client.post(path, 'format', { fstype: p.fs.fstype, uuid: p.fs.uuid, label: p.fs.label }, ctx.signal);
        if (p.fs.mountPoint) await client.post(path, 'mount', { mount_point: p.fs.mountPoint, mount_options: p.fs.mountOptions }, ctx.signal);
        log.add(`formatted ${p.name} as ${p.fs.fstype}${p.fs.mountPoint ? ` on ${p.fs.mountPoint}` : ''}`);
      }
    }
    partitionIds.set(d.name, ids);
  }
  return partitionIds;
}

/** 4. Volume groups that are not kept, and their logical volumes with filesystems and mounts. */
async function buildVolumeGroups({ session: { client, ctx }, node, sid, plan, log }: StorageStep, diff: StorageDiff, partitionIds: Map<string, number[]>): Promise<void> {
  for (const vg of plan.vgs) {
    if (diff.keepVgs.has(vg.name)) continue;
    const blockDevices: number[] = [];
    const partitions: number[] = [];
    for (const m of vg.members) {
      const d = plan.devices.find((x) => x.name === m.device)!;
      if (m.partition === undefined) blockDevices.push(d.device.id);
      else partitions.push(partitionIds.get(d.name)![m.partition]);
    }
    const created = await client.post<MaasVolumeGroup>(
      `nodes/${sid}/volume-groups/`,
      undefined,
      { name: vg.name, uuid: vg.uuid, block_devices: blockDevices, partitions },
      ctx.signal,
    );
    log.add(`created volume group ${vg.name} (${formatBytes(created.size)})`);
    const sizes = lvSizes(node, vg, created.size);
    for (const [i, lv] of vg.lvs.entries()) {
      const device = await client.post<MaasBlockDevice>(
        `nodes/${sid}/volume-group/${created.id}/`,
        'create_logical_volume',
        { name: lv.name, uuid: lv.uuid, size: sizes[i] },
        ctx.signal,
      );
      log.add(`created logical volume ${lv.name} (${formatBytes(sizes[i])}) in ${vg.name}`);
      if (lv.fs) {
        const path = `nodes/${sid}/blockdevices/${device.id}/`;
        await client.post(path, 'format', { fstype: lv.fs.fstype, uuid: lv.fs.uuid, label: lv.fs.label }, ctx.signal);
        if (lv.fs.mountPoint) await client.post(path, 'mount', { mount_point: lv.fs.mountPoint, mount_options: lv.fs.mountOptions }, ctx.signal);
        log.add(`formatted ${lv.name} as ${lv.fs.fstype}${lv.fs.mountPoint ? ` on ${lv.fs.mountPoint}` : ''}`);
      }
    }
  }
}

/** 5. The boot disk is the device holding `/` (read again: the steps above change the machine). */
async function ensureBootDisk({ session, sid, plan, log }: StorageStep, systemId: string): Promise<void> {
  if (!plan.rootDevice) return;
  const machine = await readMachine(session, systemId);
  const root = machine.blockdevice_set.find((d) => d.name === plan.rootDevice)!;
  if (machine.boot_disk?.id !== root.id) {
    await session.client.post(`nodes/${sid}/blockdevices/${root.id}/`, 'set_boot_disk', {}, session.ctx.signal);
    log.add(`made ${root.name} the boot disk`);
  }
}
