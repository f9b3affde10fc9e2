import { LoadedDocument, LoadedDocumentOf, positionIn } from '../load';
import type { DesignKind, SourceRef } from '../model';
import type { Path } from '../paths';
import type { FilesystemData, HostInterfaceData, LogicalVolumeData, PartitionData, PhysicalDeviceData, VolumeGroupData } from '../schemas';
import { emptyLayer, Layer, Origin, Scalar, V } from './layers';

/** An origin whose line is looked up only when a finding needs it. */
export class LazyOrigin implements Origin {
  readonly document: { kind: DesignKind; name: string };
  #source?: SourceRef;

  constructor(
    private readonly doc: LoadedDocument,
    private readonly path: Path,
  ) {
    this.document = { kind: doc.kind, name: doc.name };
  }

  get source(): SourceRef {
    this.#source ??= positionIn(this.doc, this.path);
    return this.#source;
  }
}

export type HostDocument = LoadedDocumentOf<'HostProfile'> | LoadedDocumentOf<'BaremetalNode'>;

/** The layer one HostProfile or BaremetalNode document contributes (with its `!` markers). */
export function hostLayer(doc: HostDocument): Layer {
  const d = doc.data;
  const origin = (path: Path): Origin => new LazyOrigin(doc, path);
  const v = <T>(value: T, path: Path): V<T> => ({ value, origin: origin(path) });
  const layer = emptyLayer({ document: { kind: doc.kind, name: doc.name }, source: doc.source });

  const scalar = (target: Layer, key: string, value: Scalar | undefined, path: Path): void => {
    if (value !== undefined) target.scalars.set(key, v(value, path));
  };
  const dict = (target: Layer, key: string, value: Record<string, unknown> | undefined, path: Path): void => {
    if (value === undefined) return;
    target.dicts.set(key, new Map(Object.entries(value).map(([k, x]) => [k, v(x, [...path, k])])));
  };
  const list = (target: Layer, key: string, value: string[] | undefined, path: Path): void => {
    if (value !== undefined) target.lists.set(key, value.map((x, i) => v(x, [...path, i])));
  };

  scalar(layer, 'hardware_profile', d.hardware_profile, ['hardware_profile']);
  scalar(layer, 'primary_network', d.primary_network, ['primary_network']);
  scalar(layer, 'metadata.rack', d.metadata?.rack, ['metadata', 'rack']);
  scalar(layer, 'metadata.boot_mac', d.metadata?.boot_mac, ['metadata', 'boot_mac']);
  list(layer, 'metadata.tags', d.metadata?.tags, ['metadata', 'tags']);
  dict(layer, 'metadata.owner_data', d.metadata?.owner_data, ['metadata', 'owner_data']);
  scalar(layer, 'platform.image', d.platform?.image, ['platform', 'image']);
  scalar(layer, 'platform.kernel', d.platform?.kernel, ['platform', 'kernel']);
  dict(layer, 'platform.kernel_params', d.platform?.kernel_params, ['platform', 'kernel_params']);

  if (d.oob) {
    const { type, ...params } = d.oob;
    scalar(layer, 'oob.type', type, ['oob', 'type']);
    // Drydock merges every other oob key as a dict; values of unknown keys are kept as written.
    dict(layer, 'oob', params, ['oob']);
  }

  if (d.interfaces) {
    const coll = new Map<string, Layer | null>();
    for (const [name, iface] of Object.entries(d.interfaces)) coll.set(name, iface === null ? null : interfaceLayer(iface, ['interfaces', name]));
    layer.keyed.set('interfaces', coll);
  }
  if (d.storage?.physical_devices) {
    const coll = new Map<string, Layer | null>();
    for (const [name, dev] of Object.entries(d.storage.physical_devices)) coll.set(name, dev === null ? null : deviceLayer(dev, ['storage', 'physical_devices', name]));
    layer.keyed.set('storage.physical_devices', coll);
  }
  if (d.storage?.volume_groups) {
    const coll = new Map<string, Layer | null>();
    for (const [name, vg] of Object.entries(d.storage.volume_groups)) coll.set(name, vg === null ? null : volumeGroupLayer(vg, ['storage', 'volume_groups', name]));
    layer.keyed.set('storage.volume_groups', coll);
  }
  return layer;

  function interfaceLayer(iface: HostInterfaceData, path: Path): Layer {
    const l = emptyLayer(origin(path));
    scalar(l, 'device_link', iface.device_link, [...path, 'device_link']);
    list(l, 'slaves', iface.slaves, [...path, 'slaves']);
    list(l, 'networks', iface.networks, [...path, 'networks']);
    if (iface.sriov) {
      scalar(l, 'sriov.vf_count', iface.sriov.vf_count, [...path, 'sriov', 'vf_count']);
      const trustKey = iface.sriov.trustedmode !== undefined ? 'trustedmode' : 'trustmode';
      scalar(l, 'sriov.trustedmode', iface.sriov.trustedmode ?? iface.sriov.trustmode, [...path, 'sriov', trustKey]);
      l.scalars.set('sriov', v(true, [...path, 'sriov']));
    }
    dict(l, 'labels', iface.labels, [...path, 'labels']);
    if (iface.switch_ports) l.whole.set('switch_ports', v(iface.switch_ports, [...path, 'switch_ports']));
    return l;
  }

  function deviceLayer(dev: PhysicalDeviceData, path: Path): Layer {
    const l = emptyLayer(origin(path));
    scalar(l, 'volume_group', dev.volume_group, [...path, 'volume_group']);
    dict(l, 'labels', dev.labels, [...path, 'labels']);
    if (dev.partitions) l.named.set('partitions', dev.partitions.map((p, i) => ({ name: p.name, layer: partitionLayer(p, [...path, 'partitions', i]) })));
    return l;
  }

  function partitionLayer(p: PartitionData, path: Path): Layer {
    const l = emptyLayer(origin(path));
    scalar(l, 'size', p.size, [...path, 'size']);
    scalar(l, 'part_uuid', p.part_uuid, [...path, 'part_uuid']);
    scalar(l, 'volume_group', p.volume_group, [...path, 'volume_group']);
    scalar(l, 'bootable', p.bootable, [...path, 'bootable']);
    dict(l, 'labels', p.labels, [...path, 'labels']);
    filesystem(l, p.filesystem, [...path, 'filesystem']);
    return l;
  }

  function volumeGroupLayer(vg: VolumeGroupData, path: Path): Layer {
    const l = emptyLayer(origin(path));
    scalar(l, 'vg_uuid', vg.vg_uuid, [...path, 'vg_uuid']);
    if (vg.logical_volumes) l.named.set('logical_volumes', vg.logical_volumes.map((lv, i) => ({ name: lv.name, layer: logicalVolumeLayer(lv, [...path, 'logical_volumes', i]) })));
    return l;
  }

  function logicalVolumeLayer(lv: LogicalVolumeData, path: Path): Layer {
    const l = emptyLayer(origin(path));
    scalar(l, 'lv_uuid', lv.lv_uuid, [...path, 'lv_uuid']);
    scalar(l, 'size', lv.size, [...path, 'size']);
    filesystem(l, lv.filesystem, [...path, 'filesystem']);
    return l;
  }

  function filesystem(l: Layer, fs: FilesystemData | undefined, path: Path): void {
    if (!fs) return;
    l.scalars.set('filesystem', v(true, path));
    for (const key of ['mountpoint', 'fstype', 'mount_options', 'fs_uuid', 'fs_label'] as const) scalar(l, `filesystem.${key}`, fs[key], [...path, key]);
  }
}
