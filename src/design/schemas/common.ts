import { z } from 'zod';

/**
 * Building blocks of the document schemas. Written from Drydock's JSON schemas
 * (python/drydock_provisioner/schemas/*.yaml); where those are looser than what Drydock's code
 * actually reads (objects without `additionalProperties: false`), ours are strict, so a misspelt
 * key is reported instead of ignored.
 */

export const str = z.string();
export const strList = z.array(z.string());
export const num = z.number();

/** Free-form labels: Drydock allows any value; the model keeps them as strings. */
export const labels = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));

/** Values Drydock declares `format: ipv4`; we accept IPv6 too (MAAS does). */
export const ipAddress = z.string().refine(isIpAddress, { error: 'must be an IPv4 or IPv6 address' });

/** Names in lists and dict keys may start with `!` to remove the inherited entry of that name. */
export function isNegation(name: string): boolean {
  return name.startsWith('!');
}

export function isIpAddress(value: string): boolean {
  return /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(value) ? value.split('.').every((o) => Number(o) <= 255 && String(Number(o)) === o) : isIpv6(value);
}

function isIpv6(value: string): boolean {
  if (!/^[0-9A-Fa-f:.]+$/.test(value) || !value.includes(':')) return false;
  const double = value.split('::');
  if (double.length > 2) return false;
  const groups = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const parts = [...groups(double[0]), ...(double.length === 2 ? groups(double[1]) : [])];
  let count = 0;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (i === parts.length - 1 && p.includes('.')) {
      if (!isIpAddress(p) || p.includes(':')) return false;
      count += 2;
    } else if (/^[0-9A-Fa-f]{1,4}$/.test(p)) count += 1;
    else return false;
  }
  return double.length === 2 ? count < 8 : count === 8;
}
