import type { Finding } from '../findings';
import { deviceKey, nodeFinding, Rule } from './context';

/**
 * Drydock's StoragePartitioning: each disk is partitioned or a volume-group member (not both,
 * not neither); a partition is formatted or a volume-group member (not both); every volume group
 * has a physical volume. Partitions join volume groups through their `volume_group` (Drydock
 * counts the disk's volume group instead, and its ingester drops the partition's).
 */
export const storagePartitioning: Rule = {
  code: 'storage-partitioning',
  run(ctx) {
    const out: Finding[] = [];
    for (const node of ctx.nodes) {
      const { physicalDevices, volumeGroups } = node.model.storage;
      const defined = new Set(volumeGroups.map((vg) => vg.name));
      const members = new Set<string>();
      const name = node.model.name;
      for (const dev of physicalDevices) {
        const key = deviceKey(dev);
        const base = ['storage', 'physical_devices', key];
        if (dev.partitions.length > 0 && dev.volumeGroup !== undefined) out.push(nodeFinding('storage-partitioning', node, base, `disk ${key} of node ${name} has partitions and is also a member of volume group ${dev.volumeGroup}; use the disk for one of them`));
        if (dev.partitions.length === 0 && dev.volumeGroup === undefined) out.push(nodeFinding('storage-partitioning', node, base, `disk ${key} of node ${name} has neither partitions nor a volume_group; partition it, add it to a volume group, or remove it`));
        if (dev.volumeGroup !== undefined) {
          members.add(dev.volumeGroup);
          if (!defined.has(dev.volumeGroup)) out.push(nodeFinding('storage-partitioning', node, [...base, 'volume_group'], `disk ${key} of node ${name} joins volume group ${dev.volumeGroup}, which storage.volume_groups does not define (it would have no logical volumes)`, 'warning'));
        }
        for (const p of dev.partitions) {
          const ppath = [...base, 'partitions', { name: p.name }];
          if (p.volumeGroup !== undefined && p.filesystem !== undefined) out.push(nodeFinding('storage-partitioning', node, ppath, `partition ${p.name} of disk ${key} (node ${name}) has a filesystem and is also a member of volume group ${p.volumeGroup}; use it for one of them`));
          if (p.volumeGroup !== undefined) {
            members.add(p.volumeGroup);
            if (!defined.has(p.volumeGroup)) out.push(nodeFinding('storage-partitioning', node, [...ppath, 'volume_group'], `partition ${p.name} of disk ${key} (node ${name}) joins volume group ${p.volumeGroup}, which storage.volume_groups does not define`, 'warning'));
          }
        }
      }
      for (const vg of volumeGroups) {
        if (!members.has(vg.name)) out.push(nodeFinding('storage-partitioning', node, ['storage', 'volume_groups', vg.name], `volume group ${vg.name} of node ${name} has no physical volume: give a disk or partition volume_group: ${vg.name}`));
      }
    }
    return out;
  },
};
