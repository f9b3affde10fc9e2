/**
 * The nodes a design load selected, as the LoadDesign activity returns them to the site
 * workflow: names in order and each one's rack as an index into a list of racks. Three flat lists
 * instead of one `{ name, rack }` object per node: at 10,000 nodes about 150 KB of the activity's
 * result in history instead of 360 KB, which with the site context took the result past
 * Temporal's 512 KB payload warning (docs/benchmark.md). Pure: workflows import it.
 */
export interface SelectedNodes {
  names: string[];
  racks: string[];
  /** Per name, its rack's index in `racks`; -1 for a node without a rack. */
  rackOf: number[];
}

export interface NodeAndRack {
  name: string;
  rack?: string;
}

export function packSelectedNodes(nodes: readonly NodeAndRack[]): SelectedNodes {
  const racks: string[] = [];
  const index = new Map<string, number>();
  const rackOf = nodes.map((n) => {
    if (n.rack === undefined) return -1;
    let i = index.get(n.rack);
    if (i === undefined) {
      i = racks.push(n.rack) - 1;
      index.set(n.rack, i);
    }
    return i;
  });
  return { names: nodes.map((n) => n.name), racks, rackOf };
}

/** The selected nodes in order, from either shape: `selected` (packed), or `nodes` as results
 * recorded before it carry them (histories replayed from older runs). */
export function unpackSelectedNodes(loaded: { selected?: SelectedNodes; nodes?: NodeAndRack[] }): NodeAndRack[] {
  if (loaded.nodes) return loaded.nodes;
  const s = loaded.selected;
  if (!s) return [];
  return s.names.map((name, i) => {
    const r = s.rackOf[i] ?? -1;
    return r >= 0 && s.racks[r] !== undefined ? { name, rack: s.racks[r] } : { name };
  });
}
