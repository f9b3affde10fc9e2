/**
 * Walks a parsed template over plain values, charging every step against the limits, and
 * renderTemplate, the entry point.
 */

import type { Expr, Stmt, Template } from './ast';
import { FILTERS, TESTS } from './filters';
import { callMethod } from './methods';
import { parseTemplate } from './parser';
import { DEFAULT_LIMITS, TemplateError, toValue, Undefined, type TemplateLimits, type Value } from './sandbox';
import { contains, equal, getAttr, iterate, num, setMaxChars, str, truthy, typeName, weight } from './values';

class Renderer {
  private steps = 0;
  private out = 0;
  private depth = 0;
  private readonly started: number;
  constructor(private readonly limits: TemplateLimits) {
    this.started = limits.now ? limits.now() : 0;
  }

  run(body: readonly Stmt[], scopes: Array<Map<string, Value>>): string {
    const parts: string[] = [];
    this.block(body, scopes, parts);
    return parts.join('');
  }

  private step(line: number): void {
    if (++this.steps > this.limits.maxSteps) throw new TemplateError(`the template took more than ${this.limits.maxSteps} steps`, line, 'limit');
    if (this.limits.now && this.limits.timeoutMs !== undefined && (this.steps & 1023) === 0 && this.limits.now() - this.started > this.limits.timeoutMs) {
      throw new TemplateError(`the template ran longer than ${this.limits.timeoutMs} ms`, line, 'limit');
    }
  }
  /** Work proportional to the size of the values involved. */
  private charge(n: number, line: number): void {
    this.steps += Math.floor(n);
    this.step(line);
  }
  private size(n: number, line: number): void {
    if (n > this.limits.maxOutputChars) throw new TemplateError(`the template produced more than ${this.limits.maxOutputChars} characters`, line, 'limit');
  }

  private block(body: readonly Stmt[], scopes: Array<Map<string, Value>>, parts: string[]): void {
    if (++this.depth > this.limits.maxDepth) throw new TemplateError('blocks nested too deeply', 0, 'limit');
    for (const st of body) {
      if (st.s === 'text') {
        this.emit(st.v, 0, parts);
        continue;
      }
      this.step(st.line);
      if (st.s === 'out') this.emit(str(this.eval(st.expr, scopes)), st.line, parts);
      else if (st.s === 'set') this.assign(st.targets, this.eval(st.expr, scopes), scopes[scopes.length - 1], st.line);
      else if (st.s === 'if') {
        const branch = st.branches.find((b) => truthy(this.eval(b.test, scopes)));
        this.block(branch ? branch.body : st.else, scopes, parts);
      } else {
        const items = iterate(this.eval(st.iter, scopes), st.line);
        const scope = new Map<string, Value>();
        const inner = [...scopes, scope];
        const selected: Value[] = [];
        for (const item of items) {
          this.step(st.line);
          if (st.filter) {
            this.assign(st.targets, item, scope, st.line);
            if (!truthy(this.eval(st.filter, inner))) continue;
          }
          selected.push(item);
        }
        if (selected.length === 0) this.block(st.else, scopes, parts);
        selected.forEach((item, i) => {
          this.step(st.line);
          this.assign(st.targets, item, scope, st.line);
          const n = selected.length;
          scope.set('loop', new Map<string, Value>([['index', i + 1], ['index0', i], ['revindex', n - i], ['revindex0', n - i - 1], ['first', i === 0], ['last', i === n - 1], ['length', n]]));
          this.block(st.body, inner, parts);
        });
      }
    }
    this.depth--;
  }

  private emit(s: string, line: number, parts: string[]): void {
    this.out += s.length;
    this.steps += Math.floor(s.length / 64);
    this.size(this.out, line);
    parts.push(s);
  }

  private assign(targets: string[], v: Value, scope: Map<string, Value>, line: number): void {
    for (const t of targets) if (t.startsWith('_')) throw new TemplateError(`names starting with '_' are not allowed (${t})`, line, 'render');
    if (targets.length === 1) {
      scope.set(targets[0], v);
      return;
    }
    if (!Array.isArray(v) || v.length !== targets.length) throw new TemplateError(`cannot unpack ${typeName(v)} into ${targets.length} names`, line, 'render');
    targets.forEach((t, i) => scope.set(t, v[i]));
  }

  eval(x: Expr, scopes: Array<Map<string, Value>>): Value {
    this.step(x.line);
    if (++this.depth > this.limits.maxDepth) throw new TemplateError('expression nested too deeply', x.line, 'limit');
    try {
      return this.evalInner(x, scopes);
    } finally {
      this.depth--;
    }
  }

  private evalInner(x: Expr, scopes: Array<Map<string, Value>>): Value {
    switch (x.e) {
      case 'lit':
        return x.v;
      case 'name': {
        if (x.name.startsWith('_')) return new Undefined(`'${x.name}'`);
        for (let i = scopes.length - 1; i >= 0; i--) if (scopes[i].has(x.name)) return scopes[i].get(x.name)!;
        return new Undefined(`'${x.name}'`);
      }
      case 'list': {
        const items = x.items.map((i) => this.eval(i, scopes));
        this.size(items.length, x.line);
        return items;
      }
      case 'dict': {
        const m = new Map<string, Value>();
        for (const [k, v] of x.items) m.set(str(this.eval(k, scopes)), this.eval(v, scopes));
        return m;
      }
      case 'attr':
        return getAttr(this.eval(x.obj, scopes), x.name, x.line);
      case 'item': {
        const obj = this.eval(x.obj, scopes);
        const key = this.eval(x.key, scopes);
        if (typeof key === 'string') return getAttr(obj, key, x.line);
        if (typeof key === 'number' && (Array.isArray(obj) || typeof obj === 'string')) {
          const i = key < 0 ? obj.length + key : key;
          return Number.isInteger(i) && i >= 0 && i < obj.length ? obj[i] : new Undefined(`index ${key} of ${typeName(obj)}`);
        }
        if (obj instanceof Undefined) throw new TemplateError(`${obj.hint} is undefined`, x.line, 'render');
        return new Undefined(`item ${str(key)} of ${typeName(obj)}`);
      }
      case 'slice': {
        const obj = this.eval(x.obj, scopes);
        const start = x.start ? num(this.eval(x.start, scopes), x.line) : undefined;
        const stop = x.stop ? num(this.eval(x.stop, scopes), x.line) : undefined;
        if (typeof obj === 'string' || Array.isArray(obj)) return obj.slice(start, stop);
        throw new TemplateError(`cannot slice ${typeName(obj)}`, x.line, 'render');
      }
      case 'call':
        return this.call(x, scopes);
      case 'filter': {
        const f = FILTERS[x.name];
        const value = this.eval(x.value, scopes);
        const args = x.args.map((a) => this.eval(a, scopes));
        this.charge(weight(value) * (x.name === 'sort' || x.name === 'unique' ? 20 : 1) + args.reduce<number>((n, a) => n + weight(a), 0), x.line);
        const out = f(value, args, { line: x.line, size: (n) => this.size(n, x.line) });
        this.charge(weight(out), x.line);
        return out;
      }
      case 'test': {
        const r = TESTS[x.name](this.eval(x.value, scopes), x.args.map((a) => this.eval(a, scopes)));
        return x.negate ? !r : r;
      }
      case 'unary': {
        const v = this.eval(x.value, scopes);
        if (x.op === 'not') return !truthy(v);
        const n = num(v, x.line);
        return x.op === '-' ? -n : n;
      }
      case 'cond':
        return truthy(this.eval(x.test, scopes)) ? this.eval(x.then, scopes) : x.else ? this.eval(x.else, scopes) : new Undefined('the else branch');
      case 'bin':
        return this.binary(x, scopes);
    }
  }

  private binary(x: Extract<Expr, { e: 'bin' }>, scopes: Array<Map<string, Value>>): Value {
    if (x.op === 'and') {
      const l = this.eval(x.left, scopes);
      return truthy(l) ? this.eval(x.right, scopes) : l;
    }
    if (x.op === 'or') {
      const l = this.eval(x.left, scopes);
      return truthy(l) ? l : this.eval(x.right, scopes);
    }
    const l = this.eval(x.left, scopes);
    const r = this.eval(x.right, scopes);
    const line = x.line;
    this.charge(weight(l) + weight(r), line);
    switch (x.op) {
      case '==':
        return equal(l, r);
      case '!=':
        return !equal(l, r);
      case '<':
      case '>':
      case '<=':
      case '>=': {
        if (!((typeof l === 'number' && typeof r === 'number') || (typeof l === 'string' && typeof r === 'string'))) throw new TemplateError(`cannot compare ${typeName(l)} with ${typeName(r)}`, line, 'render');
        return x.op === '<' ? l < r : x.op === '>' ? l > r : x.op === '<=' ? l <= r : l >= r;
      }
      case 'in':
      case 'not in': {
        const found = contains(r, l, line);
        return x.op === 'in' ? found : !found;
      }
      case '~': {
        const s = str(l) + str(r);
        this.size(s.length, line);
        return s;
      }
      case '+': {
        if (typeof l === 'number' && typeof r === 'number') return l + r;
        if (typeof l === 'string' && typeof r === 'string') {
          this.size(l.length + r.length, line);
          return l + r;
        }
        if (Array.isArray(l) && Array.isArray(r)) {
          this.size(l.length + r.length, line);
          return [...l, ...r];
        }
        throw new TemplateError(`cannot add ${typeName(l)} and ${typeName(r)}`, line, 'render');
      }
      case '*': {
        if (typeof l === 'number' && typeof r === 'number') return l * r;
        const [seq, n] = typeof r === 'number' ? [l, r] : [r, l];
        if ((typeof seq === 'string' || Array.isArray(seq)) && typeof n === 'number' && Number.isInteger(n)) {
          const times = Math.max(0, n);
          this.size(seq.length * times, line);
          this.charge(weight(seq) * times, line);
          return typeof seq === 'string' ? seq.repeat(times) : Array.from({ length: times }, () => seq).flat();
        }
        throw new TemplateError(`cannot multiply ${typeName(l)} by ${typeName(r)}`, line, 'render');
      }
      case '-':
        return num(l, line) - num(r, line);
      case '**': {
        const v = num(l, line) ** num(r, line);
        if (!Number.isFinite(v)) throw new TemplateError('number too large', line, 'limit');
        return v;
      }
      case '/':
      case '//':
      case '%': {
        const a = num(l, line);
        const b = num(r, line);
        if (b === 0) throw new TemplateError('division by zero', line, 'render');
        if (x.op === '/') return a / b;
        if (x.op === '//') return Math.floor(a / b);
        return ((a % b) + b) % b;
      }
    }
    throw new TemplateError(`unknown operator ${x.op}`, line, 'syntax');
  }

  private call(x: Extract<Expr, { e: 'call' }>, scopes: Array<Map<string, Value>>): Value {
    const args = x.args.map((a) => this.eval(a, scopes));
    const line = x.line;
    if (x.fn.e === 'name' && !scopes.some((s) => s.has((x.fn as { name: string }).name))) {
      if (x.fn.name === 'range') {
        const [a, b, c] = args.map((v) => num(v, line));
        const [start, stop, stepBy] = args.length === 1 ? [0, a, 1] : [a, b, c ?? 1];
        if (stepBy === 0) throw new TemplateError('range() step must not be zero', line, 'render');
        const n = Math.max(0, Math.ceil((stop - start) / stepBy));
        this.size(n, line);
        this.charge(n, line);
        return Array.from({ length: n }, (_, i) => start + i * stepBy);
      }
      if (x.fn.name === 'dict') return new Map(x.kwargs.map(([k, v]) => [k, this.eval(v, scopes)]));
    }
    if (x.fn.e === 'attr') {
      const self = this.eval(x.fn.obj, scopes);
      this.charge(weight(self) + args.reduce<number>((n, a) => n + weight(a), 0), line);
      const out = callMethod(self, x.fn.name, args, line, (n) => this.size(n, line));
      this.charge(weight(out), line);
      return out;
    }
    throw new TemplateError('only range(), dict() and the methods of strings, lists and mappings can be called', line, 'render');
  }
}

/**
 * Render a template over plain data. Throws TemplateError (with the template line) on a syntax
 * error, an error while rendering, or when a limit is hit.
 */
export function renderTemplate(template: string | Template, context: Record<string, unknown>, limits: Partial<TemplateLimits> = {}): string {
  const all: TemplateLimits = { ...DEFAULT_LIMITS, ...limits };
  const parsed = typeof template === 'string' ? parseTemplate(template, all) : template;
  const root = toValue(context);
  const scope = root instanceof Map ? root : new Map<string, Value>();
  const outer = setMaxChars(all.maxOutputChars);
  try {
    return new Renderer(all).run(parsed.body, [scope, new Map<string, Value>()]);
  } finally {
    setMaxChars(outer);
  }
}
