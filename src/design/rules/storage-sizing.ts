import type { CompiledNode } from '../compile';
import type { Finding } from '../findings';
import type { Path } from '../paths';
import { parseStorageSize } from '../storage-size';
import { deviceKey, nodeFinding, Rule } from './context';

/**
 * Drydock's StorageSizing: sizes are well-formed and not negative, and percentage sizes sum to at
 * most 99% per disk and per volume group. Drydock keeps one running sum across all volume groups
 * (and reports it once per disk); here each volume group is summed on its own and reported once.
 */
export const storageSizing: Rule = {
  code: 'storage-sizing',
  run(ctx) {
    const out: Finding[] = [];
    for (const node of ctx.nodes) {
      for (const dev of node.model.storage.physicalDevices) {
        const key = deviceKey(dev);
        const base: Path = ['storage', 'physical_devices', key];
        const sum = sumPercent(node, dev.partitions.map((p) => ({ what: `partition ${p.name} of disk ${key}`, size: p.size, path: [...base, 'partitions', { name: p.name }] })), out);
        if (sum > 99) out.push(nodeFinding('storage-sizing', node, [...base, 'partitions'], `the percentage sizes of the partitions of disk ${key} (node ${node.model.name}) add up to ${sum}%; they must add up to at most 99%`));
      }
      for (const vg of node.model.storage.volumeGroups) {
        const base: Path = ['storage', 'volume_groups', vg.name];
        const sum = sumPercent(node, vg.logicalVolumes.map((lv) => ({ what: `logical volume ${lv.name} of volume group ${vg.name}`, size: lv.size, path: [...base, 'logical_volumes', { name: lv.name }] })), out);
        if (sum > 99) out.push(nodeFinding('storage-sizing', node, [...base, 'logical_volumes'], `the percentage sizes of the logical volumes of volume group ${vg.name} (node ${node.model.name}) add up to ${sum}%; they must add up to at most 99%`));
      }
    }
    return out;
  },
};

function sumPercent(node: CompiledNode, volumes: Array<{ what: string; size?: string; path: Path }>, out: Finding[]): number {
  let sum = 0;
  for (const v of volumes) {
    if (v.size === undefined) {
      out.push(nodeFinding('storage-sizing', node, v.path, `${v.what} (node ${node.model.name}) has no size; give one such as 20g, >10g or 30%`));
      continue;
    }
    const size = parseStorageSize(v.size);
    if (!size) {
      const negative = /^>?\s*-/.test(v.size.trim());
      out.push(nodeFinding('storage-sizing', node, [...v.path, 'size'], negative ? `${v.what} (node ${node.model.name}) has a negative size ${v.size}` : `size "${v.size}" of ${v.what} (node ${node.model.name}) is not a size: use a number with a unit (m, g, t, mib, gib, tib) or %, optionally prefixed with > (at least)`));
      continue;
    }
    if (size.kind === 'percent') sum += size.percent;
  }
  return sum;
}
