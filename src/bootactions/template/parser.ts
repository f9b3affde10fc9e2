/** A recursive-descent parser of the supported Jinja subset; refuses the tags we do not implement. */

import type { Expr, Stmt, Template } from './ast';
import { FILTERS, TESTS } from './filters';
import { lex, type Tok } from './lexer';
import { DEFAULT_LIMITS, TemplateError, type TemplateLimits, type Value } from './sandbox';

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
