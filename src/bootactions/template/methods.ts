/** The methods of strings and mappings a template may call (`s.split(',')`, `d.items()`); nothing else is callable. */

import { TemplateError, Undefined, type Value } from './sandbox';
import { iterate, joinSized, replaceSized, str, typeName } from './values';

export function callMethod(self: Value, name: string, args: Value[], line: number, size: (n: number) => void): Value {
  const bad = (): never => {
    throw new TemplateError(`${typeName(self)} has no method '${name}'`, line, 'render');
  };
  if (self instanceof Undefined) throw new TemplateError(`${self.hint} is undefined (calling '${name}')`, line, 'render');
  if (self instanceof Map) {
    switch (name) {
      case 'items':
        return [...self.entries()].map(([k, v]) => [k, v]);
      case 'keys':
        return [...self.keys()];
      case 'values':
        return [...self.values()];
      case 'get': {
        const k = str(args[0] ?? null);
        return self.has(k) ? self.get(k)! : (args[1] ?? null);
      }
    }
    return bad();
  }
  if (typeof self === 'string') {
    const s = (i: number): string => str(args[i] ?? '');
    switch (name) {
      case 'upper':
        return self.toUpperCase();
      case 'lower':
        return self.toLowerCase();
      case 'strip':
        return self.trim();
      case 'lstrip':
        return self.trimStart();
      case 'rstrip':
        return self.trimEnd();
      case 'startswith':
        return self.startsWith(s(0));
      case 'endswith':
        return self.endsWith(s(0));
      case 'split':
        return args.length && args[0] !== null ? self.split(s(0)) : self.split(/\s+/).filter(Boolean);
      case 'replace': {
        const r = replaceSized(self, s(0), s(1));
        size(r.length);
        return r;
      }
      case 'join': {
        const r = joinSized(iterate(args[0] ?? [], line), self);
        size(r.length);
        return r;
      }
    }
    return bad();
  }
  return bad();
}
