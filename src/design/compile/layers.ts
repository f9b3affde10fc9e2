import type { DesignKind, SourceRef } from '../model';
import type { Path } from '../paths';

/**
 * Drydock's inheritance (objects/__init__.py Utils, objects/hostprofile.py merge_lists), on a
 * generic tree that remembers where every value came from:
 *
 * - scalars: the child's value wins; `!` (or -1 for numbers) unsets the inherited value;
 * - dicts (oob, owner_data, kernel_params, labels): parent entries, minus those the child names
 *   as `!key`, then the child's entries;
 * - lists of strings (tags, slaves, networks): the child's items, then the parent's items the
 *   child does not negate with `!item` and does not already have;
 * - entity collections keyed by name (interfaces, physical devices, volume groups) and entity
 *   lists keyed by their `name` (partitions, logical volumes): merged entity by entity with the
 *   same rules; `!name` (or a null value) removes the inherited entity.
 *
 * Unlike Drydock, a parent entity that the child does not mention is always kept (Drydock keeps
 * only the last one for devices, partitions and volume groups), volume groups merge their logical
 * volumes, and SR-IOV settings and labels are inherited.
 */

export interface Origin {
  document: { kind: DesignKind; name: string };
  source: SourceRef;
}

export type Scalar = string | number | boolean | null;

export interface V<T> {
  value: T;
  origin: Origin;
}

export interface Layer {
  origin: Origin;
  /** Keys are dotted field paths relative to the entity: `metadata.rack`, `filesystem.fstype`. */
  scalars: Map<string, V<Scalar>>;
  dicts: Map<string, Map<string, V<unknown>>>;
  lists: Map<string, Array<V<string>>>;
  /** Collections keyed by name; a `!name` key or a null value removes the inherited entity. */
  keyed: Map<string, Map<string, Layer | null>>;
  /** Lists of entities with a `name`; a `!name` item removes the inherited entity. */
  named: Map<string, Array<{ name: string; layer: Layer }>>;
  /** Values replaced as a whole. */
  whole: Map<string, V<unknown>>;
}

export function emptyLayer(origin: Origin): Layer {
  return { origin, scalars: new Map(), dicts: new Map(), lists: new Map(), keyed: new Map(), named: new Map(), whole: new Map() };
}

const negated = (name: string): boolean => name.startsWith('!');
const unsets = (v: Scalar): boolean => v === '!' || v === -1;

/** `child` inheriting from `parent` (already effective). The result has no `!` markers left. */
export function mergeLayer(child: Layer, parent: Layer | undefined): Layer {
  const out = emptyLayer(child.origin);
  const p = parent ?? emptyLayer(child.origin);

  for (const key of new Set([...p.scalars.keys(), ...child.scalars.keys()])) {
    const c = child.scalars.get(key);
    if (c === undefined) out.scalars.set(key, p.scalars.get(key) as V<Scalar>);
    else if (!unsets(c.value)) out.scalars.set(key, c);
  }
  for (const key of new Set([...p.dicts.keys(), ...child.dicts.keys()])) {
    out.dicts.set(key, mergeDict(child.dicts.get(key), p.dicts.get(key)));
  }
  for (const key of new Set([...p.lists.keys(), ...child.lists.keys()])) {
    out.lists.set(key, mergeList(child.lists.get(key), p.lists.get(key)));
  }
  for (const key of new Set([...p.keyed.keys(), ...child.keyed.keys()])) {
    out.keyed.set(key, mergeKeyed(child.keyed.get(key), p.keyed.get(key)));
  }
  for (const key of new Set([...p.named.keys(), ...child.named.keys()])) {
    out.named.set(key, mergeNamed(child.named.get(key), p.named.get(key)));
  }
  for (const key of new Set([...p.whole.keys(), ...child.whole.keys()])) {
    out.whole.set(key, child.whole.get(key) ?? (p.whole.get(key) as V<unknown>));
  }
  return out;
}

function mergeDict(child: Map<string, V<unknown>> | undefined, parent: Map<string, V<unknown>> | undefined): Map<string, V<unknown>> {
  const out = new Map<string, V<unknown>>();
  const c = child ?? new Map<string, V<unknown>>();
  for (const [k, v] of parent ?? []) if (!c.has(`!${k}`)) out.set(k, v);
  for (const [k, v] of c) if (!negated(k)) out.set(k, v);
  return out;
}

function mergeList(child: Array<V<string>> | undefined, parent: Array<V<string>> | undefined): Array<V<string>> {
  const c = child ?? [];
  const out: Array<V<string>> = [];
  const seen = new Set<string>();
  const negations = new Set(c.filter((v) => negated(v.value)).map((v) => v.value.slice(1)));
  for (const v of c) {
    if (negated(v.value) || seen.has(v.value)) continue;
    seen.add(v.value);
    out.push(v);
  }
  for (const v of parent ?? []) {
    if (negations.has(v.value) || seen.has(v.value)) continue;
    seen.add(v.value);
    out.push(v);
  }
  return out;
}

function mergeKeyed(child: Map<string, Layer | null> | undefined, parent: Map<string, Layer | null> | undefined): Map<string, Layer | null> {
  const c = child ?? new Map<string, Layer | null>();
  const out = new Map<string, Layer | null>();
  for (const [name, p] of parent ?? []) {
    if (p === null || c.has(`!${name}`) || (c.has(name) && c.get(name) === null)) continue;
    const own = c.get(name);
    out.set(name, own ? mergeLayer(own, p) : p);
  }
  for (const [name, own] of c) {
    if (negated(name) || own === null || out.has(name) || parent?.has(name)) continue;
    out.set(name, mergeLayer(own, undefined));
  }
  return out;
}

function mergeNamed(child: Array<{ name: string; layer: Layer }> | undefined, parent: Array<{ name: string; layer: Layer }> | undefined): Array<{ name: string; layer: Layer }> {
  const c = child ?? [];
  const byName = new Map<string, Layer>();
  for (const item of c) if (!byName.has(item.name)) byName.set(item.name, item.layer);
  const out: Array<{ name: string; layer: Layer }> = [];
  const parentNames = new Set<string>();
  for (const item of parent ?? []) {
    parentNames.add(item.name);
    if (byName.has(`!${item.name}`)) continue;
    const own = byName.get(item.name);
    out.push({ name: item.name, layer: own ? mergeLayer(own, item.layer) : item.layer });
  }
  const added = new Set<string>();
  for (const item of c) {
    if (negated(item.name) || parentNames.has(item.name) || added.has(item.name)) continue;
    added.add(item.name);
    out.push({ name: item.name, layer: mergeLayer(item.layer, undefined) });
  }
  return out;
}

/**
 * Where the value at `path` (document field names; list items and named entities as `{name}`)
 * of an effective layer came from: the deepest part of the path the layer knows. Computed on
 * demand, for findings, rather than recorded for every value of every node.
 */
export function originAt(layer: Layer, path: Path): Origin {
  let cur = layer;
  let i = 0;
  outer: while (i < path.length) {
    // Field keys of a layer are dotted (`metadata.rack`): try the longest run of plain segments.
    for (let j = path.length; j > i; j--) {
      const segs = path.slice(i, j);
      if (!segs.every((s): s is string => typeof s === 'string')) continue;
      const key = segs.join('.');
      const next = path[j];
      const scalar = cur.scalars.get(key) ?? cur.whole.get(key);
      if (scalar) return scalar.origin;
      const dict = cur.dicts.get(key);
      if (dict) return (typeof next === 'string' ? dict.get(next)?.origin : undefined) ?? cur.origin;
      const list = cur.lists.get(key);
      if (list) return (typeof next === 'object' ? list.find((v) => v.value === next.name)?.origin : undefined) ?? cur.origin;
      const keyed = cur.keyed.get(key);
      if (keyed) {
        const sub = typeof next === 'string' ? keyed.get(next) : undefined;
        if (!sub) return cur.origin;
        cur = sub;
        i = j + 1;
        continue outer;
      }
      const named = cur.named.get(key);
      if (named) {
        const sub = typeof next === 'object' ? named.find((x) => x.name === next.name)?.layer : undefined;
        if (!sub) return cur.origin;
        cur = sub;
        i = j + 1;
        continue outer;
      }
    }
    break;
  }
  return cur.origin;
}

/** Whether the effective layer has a value at a dotted field key (e.g. `oob.type`). */
export function hasScalar(layer: Layer, key: string): boolean {
  return layer.scalars.has(key);
}

/** Typed accessors for effective layers. */
export function scalarString(layer: Layer, key: string): string | undefined {
  const v = layer.scalars.get(key)?.value;
  return typeof v === 'string' ? v : undefined;
}

export function scalarNumber(layer: Layer, key: string): number | undefined {
  const v = layer.scalars.get(key)?.value;
  return typeof v === 'number' ? v : undefined;
}

export function scalarBoolean(layer: Layer, key: string): boolean | undefined {
  const v = layer.scalars.get(key)?.value;
  return typeof v === 'boolean' ? v : undefined;
}

export function dictStrings(layer: Layer, key: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of layer.dicts.get(key) ?? []) if (typeof v.value === 'string' || typeof v.value === 'number' || typeof v.value === 'boolean') out[k] = String(v.value);
  return out;
}

export function listStrings(layer: Layer, key: string): string[] {
  return (layer.lists.get(key) ?? []).map((v) => v.value);
}
