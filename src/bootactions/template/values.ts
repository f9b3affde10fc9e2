/**
 * Operations on template values shared by the renderer, methods and filters: truth, comparison,
 * iteration, and printing sized against the output limit before a string is built.
 */

import { DEFAULT_LIMITS, TemplateError, Undefined, type Value } from './sandbox';

/** The work an operation on `v` is charged: items of a list or mapping, 64-character chunks of a string. */
export function weight(v: Value): number {
  if (typeof v === 'string') return v.length / 64;
  if (Array.isArray(v)) return v.length;
  if (v instanceof Map) return v.size;
  return 0;
}

export function truthy(v: Value): boolean {
  if (v instanceof Undefined || v === null) return false;
  if (Array.isArray(v) || typeof v === 'string') return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  return Boolean(v);
}

export function num(v: Value, line: number): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw new TemplateError(`expected a number, got ${typeName(v)}`, line, 'render');
}

export function typeName(v: Value): string {
  if (v instanceof Undefined) return 'undefined';
  if (v === null) return 'none';
  if (Array.isArray(v)) return 'list';
  if (v instanceof Map) return 'dict';
  return typeof v === 'number' ? 'number' : typeof v === 'string' ? 'string' : 'bool';
}

export function equal(a: Value, b: Value): boolean {
  if (a instanceof Undefined || b instanceof Undefined) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i]));
  if (a instanceof Map && b instanceof Map) return a.size === b.size && [...a].every(([k, v]) => b.has(k) && equal(v, b.get(k)!));
  return a === b;
}

export function contains(container: Value, item: Value, line: number): boolean {
  if (typeof container === 'string') return container.includes(str(item));
  if (Array.isArray(container)) return container.some((c) => equal(c, item));
  if (container instanceof Map) return typeof item === 'string' && container.has(item);
  throw new TemplateError(`cannot look for a value in ${typeName(container)}`, line, 'render');
}

export function iterate(v: Value, line: number): Value[] {
  if (v instanceof Undefined || v === null) return v === null ? fail(`cannot iterate over none`, line) : [];
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return [...v];
  if (v instanceof Map) return [...v.keys()];
  return fail(`cannot iterate over ${typeName(v)}`, line);
}

export function fail(message: string, line: number): never {
  throw new TemplateError(message, line, 'render');
}

/** The size limit of the render in progress (rendering is synchronous, one at a time). */
let maxChars = DEFAULT_LIMITS.maxOutputChars;

/** Sets the size limit of the render starting, returning the one it replaces (to restore after). */
export function setMaxChars(n: number): number {
  const outer = maxChars;
  maxChars = n;
  return outer;
}

/** Refuses, before building it, a printed form longer than the limit (a list of a million
 * references to one long string is small in memory, and huge once printed). */
export function measure(v: Value, acc = { n: 0 }): number {
  if (typeof v === 'string') acc.n += v.length + 2;
  else if (Array.isArray(v)) {
    acc.n += 2;
    for (const x of v) {
      measure(x, acc);
      acc.n += 2;
      if (acc.n > maxChars) break;
    }
  } else if (v instanceof Map) {
    acc.n += 2;
    for (const [k, x] of v) {
      acc.n += k.length + 4;
      measure(x, acc);
      if (acc.n > maxChars) break;
    }
  } else acc.n += 5;
  if (acc.n > maxChars) throw new TemplateError(`the template produced more than ${maxChars} characters`, 0, 'limit');
  return acc.n;
}

/** Python's str() of a value, as Jinja prints it. */
export function str(v: Value): string {
  if (v instanceof Undefined) return '';
  if (typeof v === 'string') return v;
  if (Array.isArray(v) || v instanceof Map) measure(v);
  return repr(v);
}

/** Joins the printed items, refusing a result over the limit before building it. */
export function joinSized(items: Value[], sep: string, toStr: (v: Value) => string = str): string {
  const parts: string[] = [];
  let n = 0;
  for (const x of items) {
    const p = toStr(x);
    n += p.length + sep.length;
    if (n > maxChars + sep.length) throw new TemplateError(`the template produced more than ${maxChars} characters`, 0, 'limit');
    parts.push(p);
  }
  return parts.join(sep);
}

/** str.replace, sized before it is built. */
export function replaceSized(s: string, a: string, b: string): string {
  const pieces = s.split(a);
  if (s.length + (pieces.length - 1) * (b.length - a.length) > maxChars) throw new TemplateError(`the template produced more than ${maxChars} characters`, 0, 'limit');
  return pieces.join(b);
}

export function repr(v: Value): string {
  if (v instanceof Undefined) return '';
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (Array.isArray(v)) return `[${v.map(repr).join(', ')}]`;
  return `{${[...v].map(([k, x]) => `${repr(k)}: ${repr(x)}`).join(', ')}}`;
}

export function toJson(v: Value): unknown {
  if (v instanceof Undefined) return null;
  if (Array.isArray(v)) return v.map(toJson);
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, toJson(x)]));
  return v;
}

export function getAttr(obj: Value, name: string, line: number): Value {
  if (obj instanceof Undefined) throw new TemplateError(`${obj.hint} is undefined (reading '${name}')`, line, 'render');
  // Jinja's sandbox refuses underscore names; we never look anything up on a JS object at all.
  if (name.startsWith('_')) return new Undefined(`'${name}'`);
  if (obj instanceof Map) return obj.has(name) ? obj.get(name)! : new Undefined(`'${typeName(obj)}' has no attribute '${name}', so it`);
  return new Undefined(`'${typeName(obj)}' has no attribute '${name}', so it`);
}
