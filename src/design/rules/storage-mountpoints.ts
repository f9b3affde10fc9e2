import type { Finding } from '../findings';
import type { Path } from '../paths';
import { deviceKey, nodeFinding, Rule } from './context';

/** Drydock's StorageMountpoints: no two filesystems of a node share a mountpoint (all reported, not just the first). */
const NOT_MOUNTED = new Set(['none', 'swap']);

export const storageMountpoints: Rule = {
  code: 'storage-mountpoints',
  run(ctx) {
    const out: Finding[] = [];
    for (const node of ctx.nodes) {
      const seen = new Map<string, string>();
      const check = (mountpoint: string | undefined, what: string, path: Path): void => {
        if (mountpoint === undefined || NOT_MOUNTED.has(mountpoint)) return;
        const first = seen.get(mountpoint);
        if (first) out.push(nodeFinding('storage-mountpoints', node, [...path, 'filesystem', 'mountpoint'], `${what} of node ${node.model.name} mounts at ${mountpoint}, as ${first} already does; mountpoints must be unique`));
        else seen.set(mountpoint, what);
      };
      for (const dev of node.model.storage.physicalDevices) {
        for (const p of dev.partitions) check(p.filesystem?.mountpoint, `partition ${p.name} of disk ${deviceKey(dev)}`, ['storage', 'physical_devices', deviceKey(dev), 'partitions', { name: p.name }]);
      }
      for (const vg of node.model.storage.volumeGroups) {
        for (const lv of vg.logicalVolumes) check(lv.filesystem?.mountpoint, `logical volume ${lv.name} of volume group ${vg.name}`, ['storage', 'volume_groups', vg.name, 'logical_volumes', { name: lv.name }]);
      }
    }
    return out;
  },
};
