/**
 * Field paths inside a document's `data` (Deckhand) or `spec` (legacy) section, as findings show
 * them: `storage.physical_devices.sda.partitions[0].size` for a position in a document, and
 * `storage.physical_devices.sda.partitions[root].size` (items named by their `name`) for a value
 * of a compiled node, whose lists are merged by name across its profile chain.
 */
export type PathSegment = string | number | { name: string };
export type Path = readonly PathSegment[];

const PLAIN_KEY = /^[A-Za-z0-9_\-!/:]+$/;

export function formatPath(path: Path): string {
  let out = '';
  for (const seg of path) out = appendPath(out, seg);
  return out;
}

/** `formatPath([...path, seg])` from `formatPath(path)`, for walks that extend a path one step at a time. */
export function appendPath(formatted: string, seg: PathSegment): string {
  if (typeof seg === 'number') return `${formatted}[${seg}]`;
  if (typeof seg === 'string') return PLAIN_KEY.test(seg) ? `${formatted ? `${formatted}.` : ''}${seg}` : `${formatted}[${JSON.stringify(seg)}]`;
  return `${formatted}[${seg.name}]`;
}

/** The path and each of its ancestors, longest first (for position look-ups that fall back). */
export function* pathAncestry(path: Path): Generator<Path> {
  for (let i = path.length; i >= 0; i--) yield path.slice(0, i);
}
