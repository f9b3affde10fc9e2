import { Composer, isAlias, isMap, isScalar, isSeq, LineCounter, Parser } from 'yaml';
import type { Document, Node as YamlNode, Tags } from 'yaml';
import type { SourceRef } from './model';
import { appendPath, Path } from './paths';

/**
 * Multi-document YAML -> plain JSON-like values, keeping the position of every key and item.
 * Read as YAML 1.1 (what PyYAML, and so Drydock, reads: `on`/`off` are booleans, `0x1f` a number,
 * `<<` merges). Pure: usable in workflows.
 */

export type YamlProblemKind = 'yaml-duplicate-key' | 'yaml-key-type' | 'yaml-alias';

export interface YamlProblem {
  kind: YamlProblemKind;
  path: Path;
  message: string;
  source: SourceRef;
}

export interface RawDocument {
  /** 0-based index of the document in its file. */
  index: number;
  value: unknown;
  /** The document's first line. */
  source: SourceRef;
  /** Position of each key / item, keyed by `formatPath` of its path from the document root. */
  positions: ReadonlyMap<string, SourceRef>;
  problems: YamlProblem[];
}

export interface ParsedSource {
  name: string;
  documents: RawDocument[];
  /** YAML syntax errors; documents with errors are left out of `documents`. */
  syntaxErrors: Array<{ message: string; source: SourceRef }>;
}

/** Limits that keep hostile input (alias bombs, deep nesting) from exhausting the process. */
const MAX_DEPTH = 64;
const MAX_NODES_PER_DOCUMENT = 200_000;
const MAX_SYNTAX_ERRORS = 20;

export function parseYamlSource(name: string, text: string): ParsedSource {
  const lineCounter = new LineCounter();
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const result: ParsedSource = { name, documents: [], syntaxErrors: [] };
  const at = (offset: number): SourceRef => {
    const { line, col } = lineCounter.linePos(Math.max(0, offset));
    return { file: name, line, column: col };
  };
  // Document by document, as the composer finishes each (what parseAllDocuments does, without
  // holding every document's syntax tree until the last one is read: at 10,000 nodes those trees
  // outlived the young generation and garbage collection was a third of the load time).
  const composer = new Composer({ version: '1.1', uniqueKeys: false, prettyErrors: false, customTags: pyyamlBooleans });
  let index = 0;
  try {
    for (const doc of composer.compose(new Parser(lineCounter.addNewLine).parse(src))) addDocument(result, doc, index++, at);
  } catch (err) {
    // The parser reports problems as document errors; this only guards against the unforeseen.
    result.documents = [];
    result.syntaxErrors = [{ message: `cannot parse YAML: ${err instanceof Error ? err.message : String(err)}`, source: at(0) }];
  }
  return result;
}

function addDocument(result: ParsedSource, doc: Document.Parsed, index: number, at: (offset: number) => SourceRef): void {
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      if (result.syntaxErrors.length >= MAX_SYNTAX_ERRORS) break;
      result.syntaxErrors.push({ message: firstLine(e.message), source: at(e.pos[0]) });
    }
    return;
  }
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return; // an empty document
  const converter = new Converter(doc, at);
  const value = converter.convert(root, [], 0);
  result.documents.push({ index, value, source: at(root.range[0]), positions: converter.positions, problems: converter.problems });
}

/**
 * The YAML 1.1 schema of the `yaml` package reads y/Y/n/N as booleans; PyYAML (and so Drydock)
 * reads them as strings. A node named `n` must stay `n`.
 */
const PYYAML_TRUE = /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/;
const PYYAML_FALSE = /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/;

function pyyamlBooleans(tags: Tags): Tags {
  return tags.map((t) => {
    if (typeof t !== 'object' || t.tag !== 'tag:yaml.org,2002:bool' || !(t.test instanceof RegExp)) return t;
    return { ...t, test: t.test.test('y') ? PYYAML_TRUE : PYYAML_FALSE } as typeof t;
  });
}

function firstLine(message: string): string {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}

/** Positions by path, kept as source offsets and turned into lines and columns only when asked
 * for (a finding's source): a 10,000-node design has half a million keys, few of them ever shown. */
class Positions implements ReadonlyMap<string, SourceRef> {
  readonly offsets = new Map<string, number>();
  constructor(private readonly at: (offset: number) => SourceRef) {}
  get size(): number {
    return this.offsets.size;
  }
  get(key: string): SourceRef | undefined {
    const offset = this.offsets.get(key);
    return offset === undefined ? undefined : this.at(offset);
  }
  has(key: string): boolean {
    return this.offsets.has(key);
  }
  *entries(): MapIterator<[string, SourceRef]> {
    for (const [k, o] of this.offsets) yield [k, this.at(o)];
  }
  keys(): MapIterator<string> {
    return this.offsets.keys();
  }
  *values(): MapIterator<SourceRef> {
    for (const o of this.offsets.values()) yield this.at(o);
  }
  [Symbol.iterator](): MapIterator<[string, SourceRef]> {
    return this.entries();
  }
  forEach(fn: (value: SourceRef, key: string, map: ReadonlyMap<string, SourceRef>) => void): void {
    for (const [k, v] of this.entries()) fn(v, k, this);
  }
}

class Converter {
  readonly positions: Positions;
  readonly problems: YamlProblem[] = [];
  private nodes = 0;
  private aborted = false;

  constructor(
    private readonly doc: Document.Parsed,
    private readonly at: (offset: number) => SourceRef,
  ) {
    this.positions = new Positions(at);
  }

  /** `text` is formatPath(path), built along with it. */
  convert(node: unknown, path: Path, depth: number, text = ''): unknown {
    if (this.aborted) return null;
    if (++this.nodes > MAX_NODES_PER_DOCUMENT) {
      this.abort(path, node, `the document expands to more than ${MAX_NODES_PER_DOCUMENT} values (aliases?)`);
      return null;
    }
    if (depth > MAX_DEPTH) {
      this.abort(path, node, `values are nested more than ${MAX_DEPTH} levels deep (a recursive alias?)`);
      return null;
    }
    if (isAlias(node)) {
      let target: YamlNode | undefined;
      try {
        target = node.resolve(this.doc);
      } catch {
        target = undefined;
      }
      if (target === undefined) {
        this.problems.push({ kind: 'yaml-alias', path, message: `alias *${node.source} refers to no anchor`, source: this.pos(node) });
        return null;
      }
      return this.convert(target, path, depth + 1, text);
    }
    if (isScalar(node)) return scalarValue(node.value, node.source);
    if (isSeq(node)) {
      const out: unknown[] = [];
      node.items.forEach((item, i) => {
        const itemText = appendPath(text, i);
        this.record(itemText, item);
        out.push(this.convert(item, [...path, i], depth + 1, itemText));
      });
      return out;
    }
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      const pairs = node.items.filter((pair) => !(isScalar(pair.key) && typeof pair.key.value === 'symbol'));
      // `<<: *anchor` (YAML 1.1 merge keys) first, so that explicit keys override merged ones.
      if (pairs.length < node.items.length) for (const pair of node.items) if (!pairs.includes(pair)) this.mergeInto(out, pair.value, path, depth, text);
      const explicit = new Set<string>();
      for (const pair of pairs) {
        const keyNode: unknown = pair.key;
        const key = this.keyOf(keyNode, path);
        if (key === undefined) continue;
        const keyPath = [...path, key];
        if (explicit.has(key)) {
          this.problems.push({ kind: 'yaml-duplicate-key', path: keyPath, message: `key "${key}" appears twice in the same mapping; the last one is used`, source: this.pos(keyNode) });
        }
        explicit.add(key);
        const keyText = appendPath(text, key);
        this.record(keyText, keyNode);
        out[key] = this.convert(pair.value, keyPath, depth + 1, keyText);
      }
      return out;
    }
    return null; // an empty value
  }

  private mergeInto(out: Record<string, unknown>, source: unknown, path: Path, depth: number, text: string): void {
    const sources = isSeq(source) ? source.items : [source];
    for (const s of sources) {
      const merged = this.convert(s, path, depth + 1, text);
      if (merged === null || typeof merged !== 'object' || Array.isArray(merged)) {
        this.problems.push({ kind: 'yaml-alias', path, message: 'a `<<` merge key must refer to a mapping', source: this.pos(s) });
        continue;
      }
      for (const [k, v] of Object.entries(merged)) if (!Object.prototype.hasOwnProperty.call(out, k)) out[k] = v;
    }
  }

  private keyOf(keyNode: unknown, path: Path): string | undefined {
    if (isScalar(keyNode)) {
      const v = keyNode.value;
      const text = keyNode.source ?? String(v);
      if (typeof v === 'string') {
        if (v === '__proto__') {
          this.problems.push({ kind: 'yaml-key-type', path, message: 'the key "__proto__" is not allowed', source: this.pos(keyNode) });
          return undefined;
        }
        return v;
      }
      if (v === null) {
        this.problems.push({ kind: 'yaml-key-type', path, message: 'a mapping has an empty key', source: this.pos(keyNode) });
        return undefined;
      }
      const what = typeof v === 'number' || typeof v === 'bigint' ? `the number ${String(v)}` : typeof v === 'boolean' ? `the boolean ${String(v)}` : 'a non-string value';
      this.problems.push({
        kind: 'yaml-key-type',
        path: [...path, text],
        message: `key ${text} is read by YAML as ${what}, not as the name "${text}"; quote it: '${text}'`,
        source: this.pos(keyNode),
      });
      return text;
    }
    this.problems.push({ kind: 'yaml-key-type', path, message: 'a mapping key is itself a mapping or a list; keys must be plain names', source: this.pos(keyNode) });
    return undefined;
  }

  private record(text: string, node: unknown): void {
    this.positions.offsets.set(text, offsetOf(node));
  }

  private pos(node: unknown): SourceRef {
    return this.at(offsetOf(node));
  }

  private abort(path: Path, node: unknown, message: string): void {
    this.aborted = true;
    this.problems.push({ kind: 'yaml-alias', path, message, source: this.pos(node) });
  }
}

function offsetOf(node: unknown): number {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range ? range[0] : 0;
}

/** Scalars become string, number, boolean or null; timestamps and binaries keep their text. */
function scalarValue(value: unknown, source: string | undefined): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return Number(value);
  return source ?? (value instanceof Date ? value.toISOString() : '');
}
