/** The filters (`| join`, `| tojson`, …) and `is` tests templates may use, over plain values only. */

import { Undefined, type Value } from './sandbox';
import { contains, equal, fail, getAttr, iterate, joinSized, measure, num, replaceSized, str, toJson, truthy, typeName } from './values';

export interface FilterEnv {
  line: number;
  size(n: number): void;
}
type Filter = (v: Value, args: Value[], env: FilterEnv) => Value;

const sized = (env: FilterEnv, s: string): string => {
  env.size(s.length);
  return s;
};

export const FILTERS: Record<string, Filter> = {
  urlencode: (v) => (v instanceof Map ? [...v].map(([k, x]) => `${encodeURIComponent(k)}=${encodeURIComponent(str(x))}`).join('&') : encodeURIComponent(str(v)).replace(/%2F/g, '/')),
  default: (v, [d, always]) => (v instanceof Undefined || (truthy(always ?? false) && !truthy(v)) ? (d ?? '') : v),
  d: (v, args, env) => FILTERS.default(v, args, env),
  upper: (v) => str(v).toUpperCase(),
  lower: (v) => str(v).toLowerCase(),
  capitalize: (v) => {
    const s = str(v);
    return s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();
  },
  title: (v) => str(v).replace(/\w\S*/g, (w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase()),
  trim: (v) => str(v).trim(),
  string: (v) => str(v),
  int: (v, [d]) => {
    const n = typeof v === 'number' ? Math.trunc(v) : parseInt(str(v), 10);
    return Number.isNaN(n) ? (d ?? 0) : n;
  },
  float: (v, [d]) => {
    const n = typeof v === 'number' ? v : parseFloat(str(v));
    return Number.isNaN(n) ? (d ?? 0) : n;
  },
  length: (v, _a, env) => iterate(v, env.line).length,
  count: (v, _a, env) => iterate(v, env.line).length,
  first: (v, _a, env) => iterate(v, env.line)[0] ?? new Undefined('the first item'),
  last: (v, _a, env) => {
    const items = iterate(v, env.line);
    return items[items.length - 1] ?? new Undefined('the last item');
  },
  list: (v, _a, env) => [...iterate(v, env.line)],
  join: (v, [sep, attr], env) => sized(env, joinSized(iterate(v, env.line), sep === undefined ? '' : str(sep), (x) => str(attr === undefined ? x : getAttr(x, str(attr), env.line)))),
  replace: (v, [a, b], env) => sized(env, replaceSized(str(v), str(a ?? ''), str(b ?? ''))),
  sort: (v, [reverse], env) => {
    const items = [...iterate(v, env.line)].sort((a, b) => (str(a) < str(b) ? -1 : str(a) > str(b) ? 1 : 0));
    return truthy(reverse ?? false) ? items.reverse() : items;
  },
  unique: (v, _a, env) => {
    const seen = new Set<string>();
    return iterate(v, env.line).filter((x) => {
      const k = `${typeName(x)}:${str(x)}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  },
  reverse: (v, _a, env) => (typeof v === 'string' ? [...v].reverse().join('') : [...iterate(v, env.line)].reverse()),
  dictsort: (v, _a, env) => {
    if (!(v instanceof Map)) return fail('dictsort needs a mapping', env.line);
    return [...v.keys()].sort().map((k) => [k, v.get(k)!]);
  },
  indent: (v, [width, first], env) => {
    const pad = typeof width === 'string' ? width : ' '.repeat(Math.min(typeof width === 'number' ? width : 4, 1000));
    const lines = str(v).split('\n');
    env.size(lines.length * pad.length + str(v).length);
    return sized(env, lines.map((l, i) => ((i > 0 || truthy(first ?? false)) && l ? pad + l : l)).join('\n'));
  },
  tojson: (v, _a, env) => {
    measure(v);
    return sized(env, JSON.stringify(toJson(v)) ?? 'null');
  },
  b64encode: (v, _a, env) => sized(env, base64Encode(utf8(str(v)))),
  abs: (v, _a, env) => Math.abs(num(v, env.line)),
  e: (v) => escapeHtml(str(v)),
  escape: (v) => escapeHtml(str(v)),
};

export const TESTS: Record<string, (v: Value, args: Value[]) => boolean> = {
  defined: (v) => !(v instanceof Undefined),
  undefined: (v) => v instanceof Undefined,
  none: (v) => v === null,
  string: (v) => typeof v === 'string',
  number: (v) => typeof v === 'number',
  mapping: (v) => v instanceof Map,
  sequence: (v) => Array.isArray(v) || typeof v === 'string',
  iterable: (v) => Array.isArray(v) || typeof v === 'string' || v instanceof Map,
  boolean: (v) => typeof v === 'boolean',
  true: (v) => v === true,
  false: (v) => v === false,
  even: (v) => typeof v === 'number' && v % 2 === 0,
  odd: (v) => typeof v === 'number' && Math.abs(v % 2) === 1,
  eq: (v, [o]) => equal(v, o ?? null),
  ne: (v, [o]) => !equal(v, o ?? null),
  in: (v, [o]) => (o === undefined ? false : Array.isArray(o) || typeof o === 'string' || o instanceof Map ? contains(o, v, 0) : false),
};

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;').replace(/'/g, '&#39;');
}

function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
function base64Encode(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63] + (i + 1 < bytes.length ? B64[(n >> 6) & 63] : '=') + (i + 2 < bytes.length ? B64[n & 63] : '=');
  }
  return out;
}
