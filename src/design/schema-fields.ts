import type { z } from 'zod';
import type { DesignKind } from './model';
import { KIND_SCHEMAS } from './schemas';

/** Field names of each kind's schema, collected once, for "did you mean" hints. */
const cache = new Map<DesignKind, string[]>();

export function knownFieldNames(kind: DesignKind): string[] {
  let names = cache.get(kind);
  if (!names) {
    const found = new Set<string>();
    collect(KIND_SCHEMAS[kind], found, 0);
    names = [...found];
    cache.set(kind, names);
  }
  return names;
}

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  valueType?: z.ZodType;
  innerType?: z.ZodType;
  options?: z.ZodType[];
  catchall?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
}

function collect(schema: z.ZodType | undefined, into: Set<string>, depth: number): void {
  if (!schema || depth > 20) return;
  // zod 4 keeps a schema's definition on `_zod.def`; only the fields read here are relied upon.
  const def = (schema as unknown as { _zod: { def: Def } })._zod.def;
  if (def.shape) for (const [k, v] of Object.entries(def.shape)) {
    into.add(k);
    collect(v, into, depth + 1);
  }
  for (const next of [def.element, def.valueType, def.innerType, def.catchall, def.in, def.out, ...(def.options ?? [])]) collect(next, into, depth + 1);
}

/** The closest candidate to `word` (edit distance at most 2, or a case-only difference). */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    if (c === word) continue;
    const d = c.toLowerCase() === word.toLowerCase() ? 0 : distance(word, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const limit = word.length <= 4 ? 1 : 2;
  return bestDistance <= limit ? best : undefined;
}

/** Edit distance counting a swap of two neighbouring letters as one edit (optimal string alignment). */
function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}
