import type { CompiledSite, NodeFilter, NodeFilterSet, NodeModel, RackModel } from './model';

/**
 * Drydock's node filters, as Drydock defines them, with its two gaps closed:
 *
 * - A filter computes one node set per criterion it has (`node_names`: the node's name is listed;
 *   `node_tags`: the node has one of the tags; `node_labels`: the node's labels (owner_data) have
 *   every listed pair; `rack_names`: the node's rack is listed; `rack_labels`: the node's rack has
 *   every listed label pair) and combines them by its `filter_type` (union or intersection).
 * - A filter set combines its filters' results by `filter_set_type`.
 *
 * Drydock ORs the pairs of `node_labels` and ignores `rack_labels` (it returns every node); here
 * every pair must match and rack labels work. A filter without criteria, and a set without
 * filters, select no node (Drydock fails on them). No filter at all selects every node.
 *
 * Pure: usable inside workflows.
 */

/** The nodes of `site` that `filter` selects, in the site's (name) order; all nodes without a filter. */
export function selectNodes(site: Pick<CompiledSite, 'nodes' | 'racks'>, filter?: NodeFilterSet): NodeModel[] {
  return filterNodes(site.nodes, site.racks, filter);
}

export function filterNodes(nodes: readonly NodeModel[], racks: Readonly<Record<string, Pick<RackModel, 'labels'>>>, filter?: NodeFilterSet): NodeModel[] {
  if (!filter) return [...nodes];
  const sets = filter.filterSet.map((f) => applyFilter(nodes, racks, f));
  const selected = combine(sets, filter.filterSetType);
  return nodes.filter((n) => selected.has(n.name));
}

function applyFilter(nodes: readonly NodeModel[], racks: Readonly<Record<string, Pick<RackModel, 'labels'>>>, f: NodeFilter): Set<string> {
  const criteria: Array<(n: NodeModel) => boolean> = [];
  if (f.nodeNames && f.nodeNames.length > 0) {
    const names = new Set(f.nodeNames);
    criteria.push((n) => names.has(n.name));
  }
  if (f.nodeTags && f.nodeTags.length > 0) {
    const tags = f.nodeTags;
    criteria.push((n) => tags.some((t) => n.tags.includes(t)));
  }
  if (f.rackNames && f.rackNames.length > 0) {
    const rackNames = new Set(f.rackNames);
    criteria.push((n) => n.rack !== undefined && rackNames.has(n.rack));
  }
  if (f.nodeLabels && Object.keys(f.nodeLabels).length > 0) {
    const pairs = Object.entries(f.nodeLabels);
    criteria.push((n) => pairs.every(([k, v]) => Object.prototype.hasOwnProperty.call(n.labels, k) && n.labels[k] === v));
  }
  if (f.rackLabels && Object.keys(f.rackLabels).length > 0) {
    const pairs = Object.entries(f.rackLabels);
    criteria.push((n) => {
      const rack = n.rack !== undefined && Object.prototype.hasOwnProperty.call(racks, n.rack) ? racks[n.rack] : undefined;
      return rack !== undefined && pairs.every(([k, v]) => Object.prototype.hasOwnProperty.call(rack.labels, k) && rack.labels[k] === v);
    });
  }
  const out = new Set<string>();
  if (criteria.length === 0) return out;
  for (const n of nodes) {
    const hit = f.filterType === 'union' ? criteria.some((c) => c(n)) : criteria.every((c) => c(n));
    if (hit) out.add(n.name);
  }
  return out;
}

function combine(sets: Array<Set<string>>, how: 'union' | 'intersection'): Set<string> {
  if (sets.length === 0) return new Set();
  if (how === 'union') {
    const out = new Set<string>();
    for (const s of sets) for (const n of s) out.add(n);
    return out;
  }
  const [first, ...rest] = sets;
  return new Set([...first].filter((n) => rest.every((s) => s.has(n))));
}

/** Selectors as a CLI takes them: repeated flags of one kind widen, different kinds narrow. */
export interface NodeSelectors {
  /** `--node NAME`: any of these names. */
  nodes?: readonly string[];
  /** `--rack NAME`: in any of these racks. */
  racks?: readonly string[];
  /** `--tag TAG`: has any of these tags. */
  tags?: readonly string[];
  /** `--label KEY=VALUE`: has every one of these labels. */
  labels?: readonly string[] | Readonly<Record<string, string>>;
}

export class NodeSelectorError extends Error {
  override name = 'NodeSelectorError';
}

/**
 * Builds a NodeFilterSet from CLI-style selectors: the intersection of one filter per kind of
 * selector given. No selector gives `undefined` (every node). Throws NodeSelectorError for a
 * label that is not `key=value`.
 */
export function nodeFilterFromSelectors(selectors: NodeSelectors): NodeFilterSet | undefined {
  const filterSet: NodeFilter[] = [];
  const list = (xs?: readonly string[]): string[] => [...new Set((xs ?? []).map((x) => x.trim()).filter((x) => x !== ''))];
  const nodes = list(selectors.nodes);
  const racks = list(selectors.racks);
  const tags = list(selectors.tags);
  if (nodes.length > 0) filterSet.push({ filterType: 'union', nodeNames: nodes });
  if (racks.length > 0) filterSet.push({ filterType: 'union', rackNames: racks });
  if (tags.length > 0) filterSet.push({ filterType: 'union', nodeTags: tags });
  const labels = parseLabels(selectors.labels);
  if (Object.keys(labels).length > 0) filterSet.push({ filterType: 'intersection', nodeLabels: labels });
  return filterSet.length === 0 ? undefined : { filterSetType: 'intersection', filterSet };
}

function parseLabels(labels: NodeSelectors['labels']): Record<string, string> {
  if (labels === undefined) return {};
  if (!Array.isArray(labels)) return { ...(labels as Record<string, string>) };
  const out: Record<string, string> = {};
  for (const l of labels as readonly string[]) {
    const eq = l.indexOf('=');
    if (eq <= 0) throw new NodeSelectorError(`label selector "${l}" is not KEY=VALUE (e.g. --label role=compute)`);
    const key = l.slice(0, eq).trim();
    if (Object.prototype.hasOwnProperty.call(out, key) && out[key] !== l.slice(eq + 1)) throw new NodeSelectorError(`label "${key}" is selected with two different values`);
    out[key] = l.slice(eq + 1);
  }
  return out;
}
