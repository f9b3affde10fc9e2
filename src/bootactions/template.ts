/**
 * A sandboxed interpreter of the Jinja2 subset boot-action templates use.
 *
 * Drydock renders boot-action assets with an unsandboxed `jinja2.Template`; we do not. Templates
 * evaluate over plain data only: the context is copied into strings, numbers, booleans, null,
 * lists and string-keyed maps, and every attribute, method and filter is implemented here, so a
 * template never reaches a JavaScript object, prototype, function, the process or the host.
 * Names starting with `_` are refused as Jinja's own sandbox does. Work is bounded by a step
 * budget, a maximum output (and intermediate string) size and a nesting depth, so a template can
 * neither loop forever nor fill memory.
 *
 * Supported: `{{ expr }}`, `{% if/elif/else %}`, `{% for a[, b] in expr [if cond] %}` with
 * `loop.*` and `{% else %}`, `{% set %}`, `{% raw %}`, `{# comments #}`, whitespace control
 * (`{%-`, `-%}`), Python-style literals and operators, `is` tests and the filters in FILTERS.
 * Like Jinja's default Template, one trailing newline of the source is dropped and an undefined
 * value prints as the empty string (but an attribute of one is an error).
 *
 * Pure (no Node built-ins): design validation, which may run inside workflows, parses with it.
 */

export class TemplateError extends Error {
  constructor(
    message: string,
    /** 1-based line in the template. */
    readonly line: number,
    readonly kind: 'syntax' | 'render' | 'limit',
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'TemplateError';
  }
}

export interface TemplateLimits {
  /** Evaluation steps: one per expression, statement and loop iteration, plus the work of
   * operations on big values (one per item of a list searched, compared, sorted or filtered, one
   * per 64 characters of a string built). */
  maxSteps: number;
  /** Characters of output, and of any string or list built on the way. */
  maxOutputChars: number;
  /** Nesting of expressions and blocks, parse and render. */
  maxDepth: number;
  /** An optional wall-clock bound, checked every 1024 steps (`now` in ms). */
  timeoutMs?: number;
  now?: () => number;
}

export const DEFAULT_LIMITS: TemplateLimits = { maxSteps: 2_000_000, maxOutputChars: 4 * 1024 * 1024, maxDepth: 100 };

// ---------------------------------------------------------------- values

class Undefined {
  constructor(readonly hint: string) {}
}
type Value = string | number | boolean | null | Undefined | Value[] | Map<string, Value>;

/** Copies plain data into template values; anything else (functions, class instances) is left out. */
export function toValue(data: unknown, depth = 0): Value {
  if (depth > 64) throw new TemplateError('the template context is nested too deeply', 0, 'limit');
  if (data === null) return null;
  if (data === undefined) return new Undefined('value');
  switch (typeof data) {
    case 'string':
    case 'boolean':
      return data;
    case 'number':
      return Number.isFinite(data) ? data : null;
    case 'object': {
      if (Array.isArray(data)) return data.map((d) => toValue(d, depth + 1));
      const proto: unknown = Object.getPrototypeOf(data);
      if (proto !== Object.prototype && proto !== null) return new Undefined('object');
      const m = new Map<string, Value>();
      for (const k of Object.keys(data)) m.set(k, toValue((data as Record<string, unknown>)[k], depth + 1));
      return m;
    }
    default:
      return new Undefined(typeof data);
  }
}

// ---------------------------------------------------------------- lexer

type Tok =
  | { t: 'text'; v: string; line: number }
  | { t: 'var_begin' | 'var_end' | 'block_begin' | 'block_end'; line: number }
  | { t: 'name' | 'op'; v: string; line: number }
  | { t: 'str'; v: string; line: number }
  | { t: 'num'; v: number; line: number };

const OPS = ['**', '//', '==', '!=', '<=', '>=', '<', '>', '+', '-', '*', '/', '%', '~', '|', '.', ',', ':', '(', ')', '[', ']', '{', '}', '='];
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0' };

function lex(source: string): { toks: Tok[]; lastLine: number } {
  const src = source.endsWith('\r\n') ? source.slice(0, -2) : source.endsWith('\n') ? source.slice(0, -1) : source;
  const toks: Tok[] = [];
  let pos = 0;
  let line = 1;
  let lstripNext = false;
  const pushText = (text: string, startLine: number): void => {
    const v = lstripNext ? text.replace(/^\s+/, '') : text;
    lstripNext = false;
    if (v) toks.push({ t: 'text', v, line: startLine });
  };
  const rstripLast = (): void => {
    const last = toks[toks.length - 1];
    if (last?.t === 'text') last.v = last.v.replace(/\s+$/, '');
  };
  const open = /\{\{|\{%|\{#/g;
  while (pos < src.length) {
    open.lastIndex = pos;
    const m = open.exec(src);
    const textEnd = m ? m.index : src.length;
    pushText(src.slice(pos, textEnd), line);
    line += count(src, pos, textEnd);
    if (!m) break;
    pos = m.index + 2;
    const strip = src[pos] === '-';
    if (strip) {
      rstripLast();
      pos++;
    }
    if (m[0] === '{#') {
      const end = src.indexOf('#}', pos);
      if (end < 0) throw new TemplateError('comment not closed (missing #})', line, 'syntax');
      line += count(src, pos, end);
      lstripNext = src[end - 1] === '-';
      pos = end + 2;
      continue;
    }
    if (m[0] === '{%') {
      const raw = /^\s*raw\s*(-?)%\}/.exec(src.slice(pos, pos + 40));
      if (raw) {
        const endRaw = /\{%(-?)\s*endraw\s*(-?)%\}/g;
        endRaw.lastIndex = pos;
        const e = endRaw.exec(src);
        if (!e) throw new TemplateError('{% raw %} not closed (missing {% endraw %})', line, 'syntax');
        let body = src.slice(pos + raw[0].length, e.index);
        if (raw[1]) body = body.replace(/^\s+/, '');
        if (e[1]) body = body.replace(/\s+$/, '');
        if (body) toks.push({ t: 'text', v: body, line });
        line += count(src, pos, e.index + e[0].length);
        lstripNext = e[2] === '-';
        pos = e.index + e[0].length;
        continue;
      }
    }
    const isVar = m[0] === '{{';
    const close = isVar ? '}}' : '%}';
    toks.push({ t: isVar ? 'var_begin' : 'block_begin', line });
    for (;;) {
      while (pos < src.length && /\s/.test(src[pos])) {
        if (src[pos] === '\n') line++;
        pos++;
      }
      if (pos >= src.length) throw new TemplateError(`${isVar ? '{{' : '{%'} not closed (missing ${close})`, line, 'syntax');
      if (src.startsWith(`-${close}`, pos) || src.startsWith(close, pos)) {
        lstripNext = src[pos] === '-';
        pos += lstripNext ? 3 : 2;
        toks.push({ t: isVar ? 'var_end' : 'block_end', line });
        break;
      }
      const c = src[pos];
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(pos, pos + 256));
      if (name) {
        toks.push({ t: 'name', v: name[0], line });
        pos += name[0].length;
        continue;
      }
      const num = /^\d+(\.\d+)?([eE][+-]?\d+)?/.exec(src.slice(pos, pos + 64));
      if (num) {
        toks.push({ t: 'num', v: Number(num[0]), line });
        pos += num[0].length;
        continue;
      }
      if (c === '"' || c === "'") {
        let v = '';
        let i = pos + 1;
        const startLine = line;
        for (;;) {
          if (i >= src.length) throw new TemplateError('string literal not closed', startLine, 'syntax');
          const ch = src[i];
          if (ch === c) break;
          if (ch === '\n') line++;
          if (ch === '\\' && i + 1 < src.length) {
            const e = src[i + 1];
            v += ESCAPES[e] ?? `\\${e}`;
            i += 2;
            continue;
          }
          v += ch;
          i++;
        }
        toks.push({ t: 'str', v, line: startLine });
        pos = i + 1;
        continue;
      }
      const op = OPS.find((o) => src.startsWith(o, pos));
      if (!op) throw new TemplateError(`unexpected character ${JSON.stringify(c)}`, line, 'syntax');
      toks.push({ t: 'op', v: op, line });
      pos += op.length;
    }
  }
  return { toks, lastLine: line };
}

function count(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (s.charCodeAt(i) === 10) n++;
  return n;
}

// ---------------------------------------------------------------- AST

type Expr =
  | { e: 'lit'; v: Value; line: number }
  | { e: 'name'; name: string; line: number }
  | { e: 'list'; items: Expr[]; line: number }
  | { e: 'dict'; items: Array<[Expr, Expr]>; line: number }
  | { e: 'attr'; obj: Expr; name: string; line: number }
  | { e: 'item'; obj: Expr; key: Expr; line: number }
  | { e: 'slice'; obj: Expr; start?: Expr; stop?: Expr; line: number }
  | { e: 'call'; fn: Expr; args: Expr[]; kwargs: Array<[string, Expr]>; line: number }
  | { e: 'filter'; value: Expr; name: string; args: Expr[]; line: number }
  | { e: 'test'; value: Expr; name: string; args: Expr[]; negate: boolean; line: number }
  | { e: 'unary'; op: 'not' | '-' | '+'; value: Expr; line: number }
  | { e: 'bin'; op: string; left: Expr; right: Expr; line: number }
  | { e: 'cond'; test: Expr; then: Expr; else?: Expr; line: number };

type Stmt =
  | { s: 'text'; v: string }
  | { s: 'out'; expr: Expr; line: number }
  | { s: 'if'; branches: Array<{ test: Expr; body: Stmt[] }>; else: Stmt[]; line: number }
  | { s: 'for'; targets: string[]; iter: Expr; filter?: Expr; body: Stmt[]; else: Stmt[]; line: number }
  | { s: 'set'; targets: string[]; expr: Expr; line: number };

/** A parsed template, reusable across renders. */
export interface Template {
  readonly body: readonly Stmt[];
}

const UNSUPPORTED_TAGS = new Set(['include', 'import', 'from', 'extends', 'block', 'macro', 'call', 'filter', 'with', 'do', 'autoescape']);

class Parser {
  private i = 0;
  private depth = 0;
  constructor(
    private readonly toks: Tok[],
    private readonly maxDepth: number,
    /** The template's last line, where an unexpected end is reported (as Jinja does). */
    private readonly lastLine: number,
  ) {}

  template(): Stmt[] {
    const { body, end } = this.body([]);
    if (end) throw new TemplateError(`unexpected {% ${end.v} %}`, end.line, 'syntax');
    return body;
  }

  /** Statements until one of `ends` (its name token is returned, the block not consumed past it). */
  private body(ends: string[]): { body: Stmt[]; end?: { v: string; line: number } } {
    const out: Stmt[] = [];
    this.enter(this.peek()?.line ?? 1);
    for (;;) {
      const t = this.toks[this.i];
      if (!t) {
        this.depth--;
        if (ends.length) throw new TemplateError(`unexpected end of template, expected {% ${ends.join(' %} or {% ')} %}`, this.lastLine, 'syntax');
        return { body: out };
      }
      if (t.t === 'text') {
        out.push({ s: 'text', v: t.v });
        this.i++;
      } else if (t.t === 'var_begin') {
        this.i++;
        const expr = this.expr();
        this.expect('var_end', '}}');
        out.push({ s: 'out', expr, line: t.line });
      } else if (t.t === 'block_begin') {
        const tag = this.toks[this.i + 1];
        if (!tag || tag.t !== 'name') throw new TemplateError('expected a tag name after {%', t.line, 'syntax');
        if (ends.includes(tag.v)) {
          this.i += 2;
          this.depth--;
          return { body: out, end: { v: tag.v, line: tag.line } };
        }
        this.i += 2;
        out.push(this.statement(tag.v, tag.line));
      } else {
        throw new TemplateError('unexpected token', t.line, 'syntax');
      }
    }
  }

  private statement(tag: string, line: number): Stmt {
    if (tag === 'if') {
      const branches: Array<{ test: Expr; body: Stmt[] }> = [];
      let test = this.expr();
      let elseBody: Stmt[] = [];
      for (;;) {
        this.expect('block_end', '%}');
        const { body, end } = this.body(['elif', 'else', 'endif']);
        branches.push({ test, body });
        if (end?.v === 'elif') {
          test = this.expr();
          continue;
        }
        if (end?.v === 'else') {
          this.expect('block_end', '%}');
          elseBody = this.body(['endif']).body;
        }
        this.expect('block_end', '%}');
        return { s: 'if', branches, else: elseBody, line };
      }
    }
    if (tag === 'for') {
      const targets = [this.name()];
      while (this.isOp(',')) {
        this.i++;
        targets.push(this.name());
      }
      if (this.name() !== 'in') throw new TemplateError("expected 'in' in a for loop", line, 'syntax');
      const iter = this.orExpr();
      let filter: Expr | undefined;
      if (this.isName('if')) {
        this.i++;
        filter = this.orExpr();
      }
      this.expect('block_end', '%}');
      const { body, end } = this.body(['else', 'endfor']);
      let elseBody: Stmt[] = [];
      if (end?.v === 'else') {
        this.expect('block_end', '%}');
        elseBody = this.body(['endfor']).body;
      }
      this.expect('block_end', '%}');
      return { s: 'for', targets, iter, filter, body, else: elseBody, line };
    }
    if (tag === 'set') {
      const targets = [this.name()];
      while (this.isOp(',')) {
        this.i++;
        targets.push(this.name());
      }
      if (!this.isOp('=')) throw new TemplateError('only `{% set name = value %}` is supported', line, 'syntax');
      this.i++;
      const expr = this.expr();
      this.expect('block_end', '%}');
      return { s: 'set', targets, expr, line };
    }
    if (UNSUPPORTED_TAGS.has(tag)) throw new TemplateError(`the {% ${tag} %} tag is not available in boot-action templates`, line, 'syntax');
    throw new TemplateError(`unknown tag {% ${tag} %}`, line, 'syntax');
  }

  // expressions, in Jinja's precedence order
  expr(): Expr {
    const then = this.orExpr();
    if (this.isName('if')) {
      const line = this.next().line;
      const test = this.orExpr();
      let otherwise: Expr | undefined;
      if (this.isName('else')) {
        this.i++;
        otherwise = this.expr();
      }
      return { e: 'cond', test, then, else: otherwise, line };
    }
    return then;
  }
  private orExpr(): Expr {
    return this.binary(() => this.andExpr(), ['or']);
  }
  private andExpr(): Expr {
    return this.binary(() => this.notExpr(), ['and']);
  }
  private notExpr(): Expr {
    if (this.isName('not')) {
      const line = this.next().line;
      this.enter(line);
      const value = this.notExpr();
      this.depth--;
      return { e: 'unary', op: 'not', value, line };
    }
    return this.compare();
  }
  private compare(): Expr {
    let left = this.math1();
    for (;;) {
      const t = this.peek();
      if (t?.t === 'op' && ['==', '!=', '<', '>', '<=', '>='].includes(t.v)) {
        this.i++;
        left = { e: 'bin', op: t.v, left, right: this.math1(), line: t.line };
      } else if (this.isName('in')) {
        this.i++;
        left = { e: 'bin', op: 'in', left, right: this.math1(), line: t!.line };
      } else if (this.isName('not') && this.toks[this.i + 1]?.t === 'name' && (this.toks[this.i + 1] as { v: string }).v === 'in') {
        this.i += 2;
        left = { e: 'bin', op: 'not in', left, right: this.math1(), line: t!.line };
      } else return left;
    }
  }
  private math1(): Expr {
    return this.binary(() => this.concat(), ['+', '-']);
  }
  private concat(): Expr {
    return this.binary(() => this.math2(), ['~']);
  }
  private math2(): Expr {
    return this.binary(() => this.pow(), ['*', '/', '//', '%']);
  }
  private pow(): Expr {
    return this.binary(() => this.unary(), ['**']);
  }
  private unary(): Expr {
    const t = this.peek();
    if (t?.t === 'op' && (t.v === '-' || t.v === '+')) {
      this.i++;
      this.enter(t.line);
      const value = this.unary();
      this.depth--;
      return { e: 'unary', op: t.v, value, line: t.line };
    }
    return this.filters(this.postfix(this.primary()));
  }
  private binary(sub: () => Expr, ops: string[]): Expr {
    let left = sub();
    for (;;) {
      const t = this.peek();
      if (!t || !((t.t === 'op' || t.t === 'name') && ops.includes(t.v))) return left;
      this.i++;
      left = { e: 'bin', op: t.v, left, right: sub(), line: t.line };
    }
  }
  private primary(): Expr {
    const t = this.next();
    this.enter(t.line);
    try {
      if (t.t === 'str') {
        let v = t.v;
        while (this.peek()?.t === 'str') v += (this.next() as { v: string }).v;
        return { e: 'lit', v, line: t.line };
      }
      if (t.t === 'num') return { e: 'lit', v: t.v, line: t.line };
      if (t.t === 'name') {
        const lits: Record<string, Value> = { true: true, True: true, false: false, False: false, none: null, None: null };
        if (t.v in lits) return { e: 'lit', v: lits[t.v], line: t.line };
        return { e: 'name', name: t.v, line: t.line };
      }
      if (t.t === 'op' && t.v === '(') {
        const inner = this.expr();
        if (this.isOp(',')) {
          // a tuple: treated as a list
          const items = [inner];
          while (this.isOp(',')) {
            this.i++;
            if (this.isOp(')')) break;
            items.push(this.expr());
          }
          this.expectOp(')');
          return { e: 'list', items, line: t.line };
        }
        this.expectOp(')');
        return inner;
      }
      if (t.t === 'op' && t.v === '[') {
        const items: Expr[] = [];
        while (!this.isOp(']')) {
          items.push(this.expr());
          if (!this.isOp(',')) break;
          this.i++;
        }
        this.expectOp(']');
        return { e: 'list', items, line: t.line };
      }
      if (t.t === 'op' && t.v === '{') {
        const items: Array<[Expr, Expr]> = [];
        while (!this.isOp('}')) {
          const k = this.expr();
          this.expectOp(':');
          items.push([k, this.expr()]);
          if (!this.isOp(',')) break;
          this.i++;
        }
        this.expectOp('}');
        return { e: 'dict', items, line: t.line };
      }
      throw new TemplateError(`unexpected ${describe(t)}`, t.line, 'syntax');
    } finally {
      this.depth--;
    }
  }
  private postfix(node: Expr): Expr {
    for (;;) {
      const t = this.peek();
      if (t?.t !== 'op') return node;
      if (t.v === '.') {
        this.i++;
        const n = this.next();
        if (n.t === 'name') node = { e: 'attr', obj: node, name: n.v, line: n.line };
        else if (n.t === 'num' && Number.isInteger(n.v)) node = { e: 'item', obj: node, key: { e: 'lit', v: n.v, line: n.line }, line: n.line };
        else throw new TemplateError(`expected an attribute name after '.', found ${describe(n)}`, n.line, 'syntax');
      } else if (t.v === '[') {
        this.i++;
        let start: Expr | undefined;
        if (!this.isOp(':')) start = this.expr();
        if (this.isOp(':')) {
          this.i++;
          const stop = this.isOp(']') ? undefined : this.expr();
          this.expectOp(']');
          node = { e: 'slice', obj: node, start, stop, line: t.line };
        } else {
          this.expectOp(']');
          node = { e: 'item', obj: node, key: start!, line: t.line };
        }
      } else if (t.v === '(') {
        this.i++;
        const { args, kwargs } = this.args();
        node = { e: 'call', fn: node, args, kwargs, line: t.line };
      } else return node;
    }
  }
  private args(): { args: Expr[]; kwargs: Array<[string, Expr]> } {
    const args: Expr[] = [];
    const kwargs: Array<[string, Expr]> = [];
    while (!this.isOp(')')) {
      const t = this.peek();
      const n = this.toks[this.i + 1];
      if (t?.t === 'name' && n?.t === 'op' && n.v === '=') {
        this.i += 2;
        kwargs.push([t.v, this.expr()]);
      } else args.push(this.expr());
      if (!this.isOp(',')) break;
      this.i++;
    }
    this.expectOp(')');
    return { args, kwargs };
  }
  private filters(node: Expr): Expr {
    for (;;) {
      if (this.isOp('|')) {
        this.i++;
        const nameTok = this.next();
        if (nameTok.t !== 'name') throw new TemplateError(`expected a filter name after '|'`, nameTok.line, 'syntax');
        let args: Expr[] = [];
        if (this.isOp('(')) {
          this.i++;
          args = this.args().args;
        }
        if (!(nameTok.v in FILTERS)) throw new TemplateError(`no filter named '${nameTok.v}'`, nameTok.line, 'syntax');
        node = { e: 'filter', value: node, name: nameTok.v, args, line: nameTok.line };
      } else if (this.isName('is')) {
        const line = this.next().line;
        let negate = false;
        if (this.isName('not')) {
          this.i++;
          negate = true;
        }
        const nameTok = this.next();
        if (nameTok.t !== 'name' || !(nameTok.v in TESTS)) throw new TemplateError(`no test named '${describe(nameTok)}'`, line, 'syntax');
        let args: Expr[] = [];
        if (this.isOp('(')) {
          this.i++;
          args = this.args().args;
        } else if (['str', 'num'].includes(this.peek()?.t ?? '')) args = [this.primary()];
        node = { e: 'test', value: node, name: nameTok.v, args, negate, line };
      } else return node;
    }
  }

  private enter(line: number): void {
    if (++this.depth > this.maxDepth) throw new TemplateError(`nested more than ${this.maxDepth} levels deep`, line, 'limit');
  }
  private peek(): Tok | undefined {
    return this.toks[this.i];
  }
  private next(): Tok {
    const t = this.toks[this.i++];
    if (!t) throw new TemplateError('unexpected end of template', this.lastLine, 'syntax');
    return t;
  }
  private isOp(v: string): boolean {
    const t = this.peek();
    return t?.t === 'op' && t.v === v;
  }
  private isName(v: string): boolean {
    const t = this.peek();
    return t?.t === 'name' && t.v === v;
  }
  private name(): string {
    const t = this.next();
    if (t.t !== 'name') throw new TemplateError(`expected a name, found ${describe(t)}`, t.line, 'syntax');
    return t.v;
  }
  private expectOp(v: string): void {
    const t = this.next();
    if (t.t !== 'op' || t.v !== v) throw new TemplateError(`expected '${v}', found ${describe(t)}`, t.line, 'syntax');
  }
  private expect(kind: 'var_end' | 'block_end', shown: string): void {
    const t = this.next();
    if (t.t !== kind) throw new TemplateError(`expected '${shown}', found ${describe(t)}`, t.line, 'syntax');
  }
}

function describe(t: Tok): string {
  switch (t.t) {
    case 'name':
    case 'op':
      return `'${t.v}'`;
    case 'str':
      return 'a string';
    case 'num':
      return `${t.v}`;
    case 'text':
      return 'text';
    case 'var_end':
      return "'}}'";
    case 'block_end':
      return "'%}'";
    default:
      return 'a new tag';
  }
}

export function parseTemplate(source: string, limits: Partial<TemplateLimits> = {}): Template {
  const { toks, lastLine } = lex(source);
  return { body: new Parser(toks, limits.maxDepth ?? DEFAULT_LIMITS.maxDepth, lastLine).template() };
}

// ---------------------------------------------------------------- evaluation

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

function getAttr(obj: Value, name: string, line: number): Value {
  if (obj instanceof Undefined) throw new TemplateError(`${obj.hint} is undefined (reading '${name}')`, line, 'render');
  // Jinja's sandbox refuses underscore names; we never look anything up on a JS object at all.
  if (name.startsWith('_')) return new Undefined(`'${name}'`);
  if (obj instanceof Map) return obj.has(name) ? obj.get(name)! : new Undefined(`'${typeName(obj)}' has no attribute '${name}', so it`);
  return new Undefined(`'${typeName(obj)}' has no attribute '${name}', so it`);
}

function callMethod(self: Value, name: string, args: Value[], line: number, size: (n: number) => void): Value {
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

// ---------------------------------------------------------------- helpers, filters, tests

/** The work an operation on `v` is charged: items of a list or mapping, 64-character chunks of a string. */
function weight(v: Value): number {
  if (typeof v === 'string') return v.length / 64;
  if (Array.isArray(v)) return v.length;
  if (v instanceof Map) return v.size;
  return 0;
}

function truthy(v: Value): boolean {
  if (v instanceof Undefined || v === null) return false;
  if (Array.isArray(v) || typeof v === 'string') return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  return Boolean(v);
}

function num(v: Value, line: number): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw new TemplateError(`expected a number, got ${typeName(v)}`, line, 'render');
}

function typeName(v: Value): string {
  if (v instanceof Undefined) return 'undefined';
  if (v === null) return 'none';
  if (Array.isArray(v)) return 'list';
  if (v instanceof Map) return 'dict';
  return typeof v === 'number' ? 'number' : typeof v === 'string' ? 'string' : 'bool';
}

function equal(a: Value, b: Value): boolean {
  if (a instanceof Undefined || b instanceof Undefined) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i]));
  if (a instanceof Map && b instanceof Map) return a.size === b.size && [...a].every(([k, v]) => b.has(k) && equal(v, b.get(k)!));
  return a === b;
}

function contains(container: Value, item: Value, line: number): boolean {
  if (typeof container === 'string') return container.includes(str(item));
  if (Array.isArray(container)) return container.some((c) => equal(c, item));
  if (container instanceof Map) return typeof item === 'string' && container.has(item);
  throw new TemplateError(`cannot look for a value in ${typeName(container)}`, line, 'render');
}

function iterate(v: Value, line: number): Value[] {
  if (v instanceof Undefined || v === null) return v === null ? fail(`cannot iterate over none`, line) : [];
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return [...v];
  if (v instanceof Map) return [...v.keys()];
  return fail(`cannot iterate over ${typeName(v)}`, line);
}

function fail(message: string, line: number): never {
  throw new TemplateError(message, line, 'render');
}

/** The size limit of the render in progress (rendering is synchronous, one at a time). */
let maxChars = DEFAULT_LIMITS.maxOutputChars;

/** Refuses, before building it, a printed form longer than the limit (a list of a million
 * references to one long string is small in memory, and huge once printed). */
function measure(v: Value, acc = { n: 0 }): number {
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
function str(v: Value): string {
  if (v instanceof Undefined) return '';
  if (typeof v === 'string') return v;
  if (Array.isArray(v) || v instanceof Map) measure(v);
  return repr(v);
}

/** Joins the printed items, refusing a result over the limit before building it. */
function joinSized(items: Value[], sep: string, toStr: (v: Value) => string = str): string {
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
function replaceSized(s: string, a: string, b: string): string {
  const pieces = s.split(a);
  if (s.length + (pieces.length - 1) * (b.length - a.length) > maxChars) throw new TemplateError(`the template produced more than ${maxChars} characters`, 0, 'limit');
  return pieces.join(b);
}

function repr(v: Value): string {
  if (v instanceof Undefined) return '';
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (Array.isArray(v)) return `[${v.map(repr).join(', ')}]`;
  return `{${[...v].map(([k, x]) => `${repr(k)}: ${repr(x)}`).join(', ')}}`;
}

function toJson(v: Value): unknown {
  if (v instanceof Undefined) return null;
  if (Array.isArray(v)) return v.map(toJson);
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, toJson(x)]));
  return v;
}

interface FilterEnv {
  line: number;
  size(n: number): void;
}
type Filter = (v: Value, args: Value[], env: FilterEnv) => Value;

const sized = (env: FilterEnv, s: string): string => {
  env.size(s.length);
  return s;
};

const FILTERS: Record<string, Filter> = {
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

const TESTS: Record<string, (v: Value, args: Value[]) => boolean> = {
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

/**
 * Render a template over plain data. Throws TemplateError (with the template line) on a syntax
 * error, an error while rendering, or when a limit is hit.
 */
export function renderTemplate(template: string | Template, context: Record<string, unknown>, limits: Partial<TemplateLimits> = {}): string {
  const all: TemplateLimits = { ...DEFAULT_LIMITS, ...limits };
  const parsed = typeof template === 'string' ? parseTemplate(template, all) : template;
  const root = toValue(context);
  const scope = root instanceof Map ? root : new Map<string, Value>();
  const outer = maxChars;
  maxChars = all.maxOutputChars;
  try {
    return new Renderer(all).run(parsed.body, [scope, new Map<string, Value>()]);
  } finally {
    maxChars = outer;
  }
}
