import type { CompiledNode } from '../compile';
import type { Finding } from '../findings';
import type { Path } from '../paths';
import { GB, parseStorageSize } from '../storage-size';
import { deviceKey, nodeFinding, Rule } from './context';

/**
 * Drydock's BootStorageRational: a root filesystem of at least 20 GB and a /boot of at least
 * 1 GB. Drydock only looks at partitions *named* root and boot, and checks boot only after a root;
 * here root and boot are whatever mounts / and /boot (partition or logical volume), falling back
 * to Drydock's names when nothing mounts there. Percentages and sizes that do not parse are left
 * to storage-sizing.
 */
const ROOT_MIN = 20 * GB;
const BOOT_MIN = 1 * GB;

interface Volume {
  what: string;
  size?: string;
  path: Path;
}

export const bootStorageRational: Rule = {
  code: 'boot-storage-rational',
  run(ctx) {
    const out: Finding[] = [];
    for (const node of ctx.nodes) {
      const root = volumesFor(node, '/', 'root');
      if (root.length === 0) {
        out.push(nodeFinding('boot-storage-rational', node, ['storage'], `node ${node.model.name} has no root filesystem: mount a partition or logical volume at / (at least 20 GB)`));
      }
      for (const v of root) checkSize(node, v, ROOT_MIN, 'root filesystem', '20 GB', out);
      for (const v of volumesFor(node, '/boot', 'boot')) checkSize(node, v, BOOT_MIN, '/boot filesystem', '1 GB', out);
    }
    return out;
  },
};

function volumesFor(node: CompiledNode, mountpoint: string, drydockName: string): Volume[] {
  const mounted: Volume[] = [];
  const named: Volume[] = [];
  for (const dev of node.model.storage.physicalDevices) {
    for (const p of dev.partitions) {
      const path: Path = ['storage', 'physical_devices', deviceKey(dev), 'partitions', { name: p.name }, 'size'];
      const v = { what: `partition ${p.name} of ${deviceKey(dev)}`, size: p.size, path };
      if (p.filesystem?.mountpoint === mountpoint) mounted.push(v);
      else if (p.name === drydockName) named.push(v);
    }
  }
  for (const vg of node.model.storage.volumeGroups) {
    for (const lv of vg.logicalVolumes) {
      if (lv.filesystem?.mountpoint === mountpoint) mounted.push({ what: `logical volume ${lv.name} of ${vg.name}`, size: lv.size, path: ['storage', 'volume_groups', vg.name, 'logical_volumes', { name: lv.name }, 'size'] });
    }
  }
  return mounted.length > 0 ? mounted : named;
}

function checkSize(node: CompiledNode, v: Volume, min: number, label: string, minText: string, out: Finding[]): void {
  if (v.size === undefined) {
    out.push(nodeFinding('boot-storage-rational', node, v.path.slice(0, -1), `the ${label} (${v.what}) of node ${node.model.name} has no size; it needs at least ${minText}`));
    return;
  }
  const size = parseStorageSize(v.size);
  if (!size || size.kind !== 'bytes') return;
  if (size.bytes < min) {
    out.push(nodeFinding('boot-storage-rational', node, v.path, `the ${label} (${v.what}) of node ${node.model.name} is ${v.size}; it must be at least ${minText}`));
  }
}
