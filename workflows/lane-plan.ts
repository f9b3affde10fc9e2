/**
 * The pure planning of a site's lanes: which queued nodes go to which lane workflow, and each
 * lane's share of the parallelism. No workflow commands, so it is tested as plain code.
 */
export interface LaneNode {
  name: string;
  rack?: string;
}

export interface LanePlan {
  nodes: LaneNode[];
  maxParallelNodes: number;
  maxParallelPerRack?: number;
}

/**
 * Splits nodes into lanes of at most `laneSize` (more when the parallelism is lower than the
 * number of lanes: every lane runs at least one node at a time, and together they run at most
 * `maxParallel`). Racks stay whole where they fit; a rack larger than a lane is split, and each
 * of its lanes gets an equal share of the per-rack limit (at least 1). The parallelism is shared
 * in proportion to the lanes' sizes (largest remainders), so the lanes finish about together.
 */
export function planLanes(nodes: LaneNode[], opts: { laneSize: number; maxParallel: number; maxPerRack?: number }): LanePlan[] {
  const maxParallel = Math.max(1, opts.maxParallel);
  const racks = new Map<string | undefined, LaneNode[]>();
  for (const n of nodes) {
    const list = racks.get(n.rack);
    if (list) list.push(n);
    else racks.set(n.rack, [n]);
  }
  let laneSize = Math.max(1, opts.laneSize, Math.ceil(nodes.length / maxParallel));
  let lanes = packRacks([...racks.values()], laneSize);
  while (lanes.length > maxParallel) lanes = packRacks([...racks.values()], (laneSize *= 2));
  // One node at a time for every lane, the rest in proportion to their sizes.
  const rest = maxParallel - lanes.length;
  const shares = lanes.map((l) => (rest * l.nodes.length) / nodes.length);
  const parallel = shares.map((s) => 1 + Math.floor(s));
  let left = maxParallel - parallel.reduce((a, b) => a + b, 0);
  for (const i of shares.map((_, i) => i).sort((a, b) => shares[b] - Math.floor(shares[b]) - (shares[a] - Math.floor(shares[a])) || a - b)) {
    if (left <= 0) break;
    parallel[i]++;
    left--;
  }
  return lanes.map((l, i) => ({
    nodes: l.nodes,
    maxParallelNodes: parallel[i],
    ...(opts.maxPerRack === undefined ? {} : { maxParallelPerRack: Math.max(1, Math.floor(opts.maxPerRack / l.split)) }),
  }));
}

/** Whole racks into lanes of at most `laneSize`, in order; a rack larger than a lane is split. */
function packRacks(racks: LaneNode[][], laneSize: number): Array<{ nodes: LaneNode[]; split: number }> {
  const lanes: Array<{ nodes: LaneNode[]; split: number }> = [];
  let current: { nodes: LaneNode[]; split: number } | undefined;
  for (const rack of racks) {
    if (rack.length > laneSize) {
      const chunks = Math.ceil(rack.length / laneSize);
      for (let i = 0; i < rack.length; i += laneSize) lanes.push({ nodes: rack.slice(i, i + laneSize), split: chunks });
      current = undefined;
      continue;
    }
    if (!current || current.nodes.length + rack.length > laneSize) lanes.push((current = { nodes: [], split: 1 }));
    current.nodes.push(...rack);
  }
  return lanes;
}
