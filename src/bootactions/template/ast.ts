/** The syntax tree the parser builds and the renderer walks. */

import type { Value } from './sandbox';

export type Expr =
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

export type Stmt =
  | { s: 'text'; v: string }
  | { s: 'out'; expr: Expr; line: number }
  | { s: 'if'; branches: Array<{ test: Expr; body: Stmt[] }>; else: Stmt[]; line: number }
  | { s: 'for'; targets: string[]; iter: Expr; filter?: Expr; body: Stmt[]; else: Stmt[]; line: number }
  | { s: 'set'; targets: string[]; expr: Expr; line: number };

/** A parsed template, reusable across renders. */
export interface Template {
  readonly body: readonly Stmt[];
}
