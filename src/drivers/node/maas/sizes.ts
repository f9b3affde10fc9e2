/**
 * Drydock's storage size strings, as its MAAS driver reads them:
 *   20m / 20mb / 20M / 20MB     decimal megabytes (x 1000^2); g and t likewise
 *   20mi / 20mib / 20Mi / 20MiB binary mebibytes (x 1024^2); gi and ti likewise
 *   50%                         a share of the device (partitions) or volume group (logical volumes)
 *   >20g                        at least 20 GB: everything left on the device or volume group
 */
export type SizeSpec = { kind: 'fixed'; bytes: number } | { kind: 'rest'; minBytes: number } | { kind: 'percent'; percent: number; min: boolean };

/** MAAS aligns partitions (and LVM extents) on 4 MiB. */
export const ALIGNMENT = 4 * 1024 * 1024;

const UNITS: Record<string, number> = {
  m: 1000 ** 2,
  mb: 1000 ** 2,
  g: 1000 ** 3,
  gb: 1000 ** 3,
  t: 1000 ** 4,
  tb: 1000 ** 4,
  mi: 1024 ** 2,
  mib: 1024 ** 2,
  gi: 1024 ** 3,
  gib: 1024 ** 3,
  ti: 1024 ** 4,
  tib: 1024 ** 4,
};

export const SIZE_SYNTAX = 'a number with a unit (m, g, t for powers of 1000; mi, gi, ti for powers of 1024; % for a share), optionally prefixed with > for "at least this, and all that is left"';

/** Parses a size string; undefined when it does not follow Drydock's syntax. */
export function parseSize(text: string): SizeSpec | undefined {
  const match = /^\s*(>?)\s*(\d+(?:\.\d+)?)\s*([a-zA-Z%]{1,3})\s*$/.exec(text);
  if (!match) return undefined;
  const [, greater, numberText, unitText] = match;
  const value = Number(numberText);
  if (unitText === '%') {
    if (value <= 0 || value > 100) return undefined;
    return { kind: 'percent', percent: value, min: greater === '>' };
  }
  const unit = UNITS[unitText.toLowerCase()];
  if (unit === undefined || value <= 0) return undefined;
  const bytes = Math.floor(value * unit);
  return greater === '>' ? { kind: 'rest', minBytes: bytes } : { kind: 'fixed', bytes };
}

export function alignDown(bytes: number, alignment = ALIGNMENT): number {
  return Math.floor(bytes / alignment) * alignment;
}

/** Whether a size MAAS reports matches the one asked for, allowing for MAAS's alignment. */
export function sizeMatches(actual: number, wanted: number): boolean {
  return Math.abs(actual - wanted) <= ALIGNMENT + 4096;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value >= 10 || unit === 0 ? 0 : 1)} ${units[unit]}`;
}
