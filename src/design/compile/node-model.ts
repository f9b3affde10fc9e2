import type { LoadedDocumentOf } from '../load';
import type { FilesystemModel, HardwareProfileModel, LogicalVolumeModel, NodeInterfaceModel, NodeModel, PartitionModel, PhysicalDeviceModel, VolumeGroupModel } from '../model';
import { resolveKernelParam } from './kernel-params';
import { dictStrings, Layer, listStrings, Origin, scalarBoolean, scalarNumber, scalarString, V } from './layers';

export interface KernelParamProblem {
  param: string;
  problem: string;
  origin: Origin;
}

export interface BuiltNode {
  model: NodeModel;
  kernelParamProblems: KernelParamProblem[];
}

/** OOB keys with a place of their own in the model; every other key goes to `oob.params`. */
const OOB_FIELDS = new Set(['network', 'account', 'credential', 'address', 'port']);

/** The effective node model from a node's merged layer (its own document over its profile chain). */
export function buildNodeModel(
  eff: Layer,
  doc: LoadedDocumentOf<'BaremetalNode'>,
  profiles: string[],
  site: string,
  hw: HardwareProfileModel | undefined,
  checkKernelReferences: boolean,
): BuiltNode {

  const hardwareProfile = scalarString(eff, 'hardware_profile');
  const addressing = doc.data.addressing.map((a) => ({ network: a.network, address: a.address }));

  const interfaces: NodeInterfaceModel[] = [];
  for (const [name, l] of eff.keyed.get('interfaces') ?? []) {
    if (!l) continue;
    const deviceLink = scalarString(l, 'device_link');
    const switchPorts = (l.whole.get('switch_ports')?.value as Array<{ switch: string; port: string }> | undefined) ?? [];
    interfaces.push({
      name,
      ...(deviceLink !== undefined ? { deviceLink } : {}),
      slaves: listStrings(l, 'slaves').map((s) => device(s, hw, 'pci')),
      networks: listStrings(l, 'networks'),
      ...(l.scalars.has('sriov') ? { sriov: { vfCount: scalarNumber(l, 'sriov.vf_count') ?? 0, trustMode: scalarBoolean(l, 'sriov.trustedmode') ?? false } } : {}),
      labels: dictStrings(l, 'labels'),
      switchPorts: switchPorts.map((p) => ({ switch: p.switch, port: p.port })),
    });
  }

  const physicalDevices: PhysicalDeviceModel[] = [];
  for (const [name, l] of eff.keyed.get('storage.physical_devices') ?? []) {
    if (!l) continue;
    const resolved = device(name, hw, 'scsi');
    const volumeGroup = scalarString(l, 'volume_group');
    physicalDevices.push({
      name: resolved.name,
      ...(resolved.alias !== undefined ? { alias: resolved.alias } : {}),
      labels: dictStrings(l, 'labels'),
      ...(volumeGroup !== undefined ? { volumeGroup } : {}),
      partitions: (l.named.get('partitions') ?? []).map(({ name: pname, layer }) => partition(pname, layer)),
    });
  }
  const volumeGroups: VolumeGroupModel[] = [];
  for (const [name, l] of eff.keyed.get('storage.volume_groups') ?? []) {
    if (!l) continue;
    const vgUuid = scalarString(l, 'vg_uuid');
    volumeGroups.push({ name, ...(vgUuid !== undefined ? { vgUuid } : {}), logicalVolumes: (l.named.get('logical_volumes') ?? []).map(({ name: lvName, layer }) => logicalVolume(lvName, layer)) });
  }

  const kernelParams: Record<string, string | true> = {};
  const kernelParamProblems: KernelParamProblem[] = [];
  for (const [param, v] of eff.dicts.get('platform.kernel_params') ?? []) {
    const r = resolveKernelParam(v.value, hw, hardwareProfile);
    if (!r.ok) {
      kernelParams[param] = r.value;
      if (checkKernelReferences) kernelParamProblems.push({ param, problem: r.problem, origin: v.origin });
    } else if (r.value !== undefined) kernelParams[param] = r.value;
  }

  const oobDict: ReadonlyMap<string, V<unknown>> = eff.dicts.get('oob') ?? new Map<string, V<unknown>>();
  const oobString = (key: string): string | undefined => {
    const v: unknown = oobDict.get(key)?.value;
    return typeof v === 'string' ? v : undefined;
  };
  const oobNetwork = oobString('network');
  const networkAddress = oobNetwork !== undefined ? addressing.find((a) => a.network === oobNetwork && a.address !== 'dhcp')?.address : undefined;
  const oobAddress = oobString('address') ?? networkAddress;
  const port: unknown = oobDict.get('port')?.value;
  const params: Record<string, unknown> = {};
  for (const [k, v] of oobDict) if (!OOB_FIELDS.has(k)) params[k] = v.value;
  const account = oobString('account');
  const credential = oobString('credential');

  const primaryNetwork = scalarString(eff, 'primary_network');
  const rack = scalarString(eff, 'metadata.rack');
  const bootMac = scalarString(eff, 'metadata.boot_mac');
  const image = scalarString(eff, 'platform.image');
  const kernel = scalarString(eff, 'platform.kernel');

  const model: NodeModel = {
    name: doc.name,
    site,
    profiles,
    ...(hardwareProfile !== undefined ? { hardwareProfile } : {}),
    ...(primaryNetwork !== undefined ? { primaryNetwork } : {}),
    ...(rack !== undefined ? { rack } : {}),
    tags: listStrings(eff, 'metadata.tags'),
    labels: dictStrings(eff, 'metadata.owner_data'),
    ...(bootMac !== undefined ? { bootMac: bootMac.toLowerCase().replace(/-/g, ':') } : {}),
    oob: {
      type: scalarString(eff, 'oob.type') ?? 'manual',
      ...(oobNetwork !== undefined ? { network: oobNetwork } : {}),
      ...(account !== undefined ? { account } : {}),
      ...(credential !== undefined ? { credential } : {}),
      ...(oobAddress !== undefined ? { address: oobAddress } : {}),
      ...(typeof port === 'number' ? { port } : {}),
      params,
    },
    interfaces,
    addressing,
    storage: { physicalDevices, volumeGroups },
    platform: { ...(image !== undefined ? { image } : {}), ...(kernel !== undefined ? { kernel } : {}), kernelParams },
    bootActions: [],
    source: doc.source,
  };
  return { model, kernelParamProblems };
}

/** A slave NIC or a disk named by a hardware-profile alias resolves to the aliased address. */
function device(name: string, hw: HardwareProfileModel | undefined, bus: 'pci' | 'scsi'): { name: string; alias?: string; address?: string } {
  const alias = hw && Object.prototype.hasOwnProperty.call(hw.deviceAliases, name) ? hw.deviceAliases[name] : undefined;
  if (!alias || (alias.busType !== undefined && alias.busType !== bus)) return { name };
  return { name: alias.address, alias: name, address: alias.address };
}

function filesystem(l: Layer): FilesystemModel | undefined {
  const fields = { mountpoint: scalarString(l, 'filesystem.mountpoint'), fstype: scalarString(l, 'filesystem.fstype'), mountOptions: scalarString(l, 'filesystem.mount_options'), fsUuid: scalarString(l, 'filesystem.fs_uuid'), fsLabel: scalarString(l, 'filesystem.fs_label') };
  if (!l.scalars.has('filesystem') && Object.values(fields).every((v) => v === undefined)) return undefined;
  // Drydock's defaults for a declared filesystem.
  const out: FilesystemModel = { fstype: fields.fstype ?? 'ext4', mountOptions: fields.mountOptions ?? 'defaults' };
  if (fields.mountpoint !== undefined) out.mountpoint = fields.mountpoint;
  if (fields.fsUuid !== undefined) out.fsUuid = fields.fsUuid;
  if (fields.fsLabel !== undefined) out.fsLabel = fields.fsLabel;
  return out;
}

function partition(name: string, l: Layer): PartitionModel {
  const size = scalarString(l, 'size');
  const partUuid = scalarString(l, 'part_uuid');
  const volumeGroup = scalarString(l, 'volume_group');
  const fs = filesystem(l);
  return {
    name,
    ...(size !== undefined ? { size } : {}),
    ...(partUuid !== undefined ? { partUuid } : {}),
    bootable: scalarBoolean(l, 'bootable') ?? false,
    ...(volumeGroup !== undefined ? { volumeGroup } : {}),
    labels: dictStrings(l, 'labels'),
    ...(fs ? { filesystem: fs } : {}),
  };
}

function logicalVolume(name: string, l: Layer): LogicalVolumeModel {
  const lvUuid = scalarString(l, 'lv_uuid');
  const size = scalarString(l, 'size');
  const fs = filesystem(l);
  return { name, ...(lvUuid !== undefined ? { lvUuid } : {}), ...(size !== undefined ? { size } : {}), ...(fs ? { filesystem: fs } : {}) };
}
