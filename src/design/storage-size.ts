/**
 * Drydock's storage size strings: `20g`, `500MB`, `1GiB`, `30%`, with `>` for "at least, and
 * the rest of the space". Decimal units (m, g, t, mb, gb, tb) are powers of 1000, binary units
 * (mi, gi, ti, mib, gib, tib) powers of 1024, as in Drydock's MAAS driver.
 */
export type StorageSize =
  | { kind: 'bytes'; bytes: number; minimum: boolean }
  | { kind: 'percent'; percent: number; minimum: boolean };

const UNITS: Record<string, number> = {
  m: 1e6,
  mb: 1e6,
  g: 1e9,
  gb: 1e9,
  t: 1e12,
  tb: 1e12,
  mi: 2 ** 20,
  mib: 2 ** 20,
  gi: 2 ** 30,
  gib: 2 ** 30,
  ti: 2 ** 40,
  tib: 2 ** 40,
};

export function parseStorageSize(text: string): StorageSize | undefined {
  const m = /^(>?)(\d+)(%|[mMgGtT](?:[iI]?[bB]?))$/.exec(text.trim());
  if (!m) return undefined;
  const minimum = m[1] === '>';
  const n = Number(m[2]);
  if (m[3] === '%') return { kind: 'percent', percent: n, minimum };
  const unit = UNITS[m[3].toLowerCase()];
  return unit === undefined ? undefined : { kind: 'bytes', bytes: n * unit, minimum };
}

export const GB = 1e9;
