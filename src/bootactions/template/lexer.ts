/** Splits template source into text and tag tokens (Jinja's default delimiters, whitespace control, `{% raw %}`). */

import { TemplateError } from './sandbox';

export type Tok =
  | { t: 'text'; v: string; line: number }
  | { t: 'var_begin' | 'var_end' | 'block_begin' | 'block_end'; line: number }
  | { t: 'name' | 'op'; v: string; line: number }
  | { t: 'str'; v: string; line: number }
  | { t: 'num'; v: number; line: number };

const OPS = ['**', '//', '==', '!=', '<=', '>=', '<', '>', '+', '-', '*', '/', '%', '~', '|', '.', ',', ':', '(', ')', '[', ']', '{', '}', '='];
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0' };

export function lex(source: string): { toks: Tok[]; lastLine: number } {
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
