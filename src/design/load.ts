import type { z } from 'zod';
import { CODES, FindingCode } from './codes';
import type { Finding } from './findings';
import type { DesignKind, SourceRef } from './model';
import { formatPath, Path, pathAncestry } from './paths';
import { DESIGN_KINDS, KIND_SCHEMAS, KindData } from './schemas';
import { knownFieldNames, suggest } from './schema-fields';
import { parseYamlSource, RawDocument } from './yaml-documents';

/**
 * Loading: YAML text -> Drydock documents of both formats, each checked against the schema of
 * its kind. Pure (no I/O): `readDesignSources` in read-files.ts reads files, folders and stdin.
 *
 *   Deckhand:  schema: drydock/<Kind>/v1, metadata: {name, ...}, data: {...}
 *   legacy:    apiVersion: drydock/v1, kind: <Kind>, metadata: {name, ...}, spec: {...}
 */

export interface DesignSource {
  /** Shown in findings: a file path, or `-` / `<stdin>`. */
  name: string;
  text: string;
}

interface LoadedDocumentBase<K extends DesignKind> {
  kind: K;
  name: string;
  format: 'deckhand' | 'legacy';
  /** The document's first line. */
  source: SourceRef;
  data: KindData<K>;
  /** `data` (Deckhand) or `spec` (legacy): the root of field paths. */
  bodyKey: 'data' | 'spec';
  /** Positions of keys and items, keyed by `formatPath` of their path from the document root. */
  positions: ReadonlyMap<string, SourceRef>;
}

export type LoadedDocument = { [K in DesignKind]: LoadedDocumentBase<K> }[DesignKind];
export type LoadedDocumentOf<K extends DesignKind> = Extract<LoadedDocument, { kind: K }>;

/** A Drydock document that could not be used (schema errors): later stages know it exists. */
export interface RejectedDocument {
  kind: DesignKind;
  name: string;
  source: SourceRef;
}

export interface DesignLoadResult {
  /** Valid documents, in source order. */
  documents: LoadedDocument[];
  rejected: RejectedDocument[];
  findings: Finding[];
  /** True when a source is not valid YAML (the CLI exits 2). */
  parseFailed: boolean;
}

export function loadDesign(sources: ReadonlyArray<DesignSource>): DesignLoadResult {
  const result: DesignLoadResult = { documents: [], rejected: [], findings: [], parseFailed: false };
  for (const source of sources) {
    const parsed = parseYamlSource(source.name, source.text);
    for (const e of parsed.syntaxErrors) {
      result.parseFailed = true;
      result.findings.push({ severity: 'error', code: 'yaml-syntax', message: `not valid YAML: ${e.message}`, source: e.source });
    }
    for (const raw of parsed.documents) loadDocument(raw, result);
  }
  return result;
}

const DECKHAND_KEYS = new Set(['schema', 'metadata', 'data']);
const LEGACY_KEYS = new Set(['apiVersion', 'kind', 'metadata', 'spec']);

function loadDocument(raw: RawDocument, result: DesignLoadResult): void {
  const doc = raw.value;
  const at = (path: Path): SourceRef => lookup(raw.positions, path) ?? raw.source;
  if (!isRecord(doc)) {
    result.findings.push({ severity: 'warning', code: 'document-unrecognised', message: `document ${raw.index + 1} is not a mapping; skipped`, source: raw.source });
    return;
  }
  let kindText: string;
  let format: 'deckhand' | 'legacy';
  if ('schema' in doc) {
    format = 'deckhand';
    const schema = doc.schema;
    if (typeof schema !== 'string') {
      envelopeError(result, undefined, 'schema', '`schema` must be a string such as drydock/BaremetalNode/v1', at(['schema']));
      return;
    }
    const parts = schema.split('/');
    if (parts[0] !== 'drydock') {
      result.findings.push({ severity: 'info', code: 'document-skipped', document: { kind: schema, name: metadataName(doc) ?? '?' }, message: `skipped: ${schema} is not a Drydock document`, source: raw.source });
      return;
    }
    if (parts.length !== 3 || parts[2] !== 'v1') {
      envelopeError(result, undefined, 'schema', `unsupported schema "${schema}": expected drydock/<Kind>/v1`, at(['schema']));
      return;
    }
    kindText = parts[1];
  } else if ('apiVersion' in doc) {
    format = 'legacy';
    const api = doc.apiVersion;
    if (typeof api !== 'string' || !api.startsWith('drydock/')) {
      result.findings.push({ severity: 'info', code: 'document-skipped', document: { kind: String(api), name: metadataName(doc) ?? '?' }, message: `skipped: apiVersion ${String(api)} is not Drydock's`, source: raw.source });
      return;
    }
    if (api !== 'drydock/v1') {
      envelopeError(result, undefined, 'apiVersion', `unsupported apiVersion "${api}": expected drydock/v1`, at(['apiVersion']));
      return;
    }
    if (typeof doc.kind !== 'string') {
      envelopeError(result, undefined, 'kind', 'a drydock/v1 document needs a `kind`', at(['kind']));
      return;
    }
    kindText = doc.kind;
  } else {
    result.findings.push({ severity: 'warning', code: 'document-unrecognised', message: `document ${raw.index + 1} has neither \`schema\` (Deckhand) nor \`apiVersion\` (legacy Drydock); skipped`, source: raw.source });
    return;
  }

  const kind = DESIGN_KINDS.find((k) => k === kindText);
  if (!kind) {
    const hint = suggest(kindText, DESIGN_KINDS);
    envelopeError(result, undefined, format === 'deckhand' ? 'schema' : 'kind', `unknown Drydock kind "${kindText}"${hint ? ` (did you mean ${hint}?)` : ''}; kinds are ${DESIGN_KINDS.join(', ')}`, at([format === 'deckhand' ? 'schema' : 'kind']));
    return;
  }
  const name = metadataName(doc);
  const ref = { kind, name: name ?? '?' };
  if (name === undefined) {
    envelopeError(result, ref, 'metadata.name', 'the document has no metadata.name (a non-empty string)', at(['metadata', 'name']));
    return;
  }

  const bodyKey = format === 'deckhand' ? 'data' : 'spec';
  let valid = true;
  const allowed = format === 'deckhand' ? DECKHAND_KEYS : LEGACY_KEYS;
  for (const key of Object.keys(doc)) {
    if (!allowed.has(key)) {
      const hint = suggest(key, [...allowed]);
      envelopeError(result, ref, key, `unknown top-level key "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}; a ${format === 'deckhand' ? 'Deckhand' : 'legacy'} document has ${[...allowed].join(', ')}`, at([key]));
      valid = false;
    }
  }
  if (format === 'deckhand') checkDeckhandMetadata(doc.metadata, ref, at, result);

  for (const p of raw.problems) {
    const rel = p.path[0] === bodyKey ? p.path.slice(1) : p.path;
    result.findings.push({ severity: CODES[p.kind].severity, code: p.kind, document: ref, field: formatPath(rel) || undefined, message: p.message, source: p.source });
    if (p.kind !== 'yaml-duplicate-key') valid = false;
  }

  const body = doc[bodyKey] ?? {};
  if (!isRecord(body)) {
    schemaError(result, ref, '', `\`${bodyKey}\` must be a mapping`, at([bodyKey]));
    valid = false;
  }
  const parsed = KIND_SCHEMAS[kind].safeParse(isRecord(body) ? body : {});
  if (!parsed.success) {
    for (const f of issueFindings(parsed.error.issues, body, kind, ref, (path) => at([bodyKey, ...path]))) result.findings.push(f);
    valid = false;
  }
  if (!valid || !parsed.success) {
    result.rejected.push({ kind, name, source: raw.source });
    return;
  }
  result.documents.push({ kind, name, format, source: raw.source, data: parsed.data, bodyKey, positions: raw.positions } as LoadedDocument);
}

function checkDeckhandMetadata(metadata: unknown, ref: { kind: string; name: string }, at: (path: Path) => SourceRef, result: DesignLoadResult): void {
  if (!isRecord(metadata)) return;
  const layering = metadata.layeringDefinition;
  const subs = metadata.substitutions;
  const reasons: Path[] = [];
  if (Array.isArray(subs) && subs.length > 0) reasons.push(['metadata', 'substitutions']);
  if (isRecord(layering) && layering.abstract === true) reasons.push(['metadata', 'layeringDefinition', 'abstract']);
  if (isRecord(layering) && isRecord(layering.parentSelector) && Object.keys(layering.parentSelector).length > 0) reasons.push(['metadata', 'layeringDefinition', 'parentSelector']);
  if (reasons.length > 0) {
    result.findings.push({
      severity: 'warning',
      code: 'deckhand-unrendered',
      document: ref,
      field: formatPath(reasons[0]),
      message: `the document uses Deckhand ${reasons.map((r) => formatPath(r)).join(', ')}, which drydock-temporal does not apply: render the documents with Deckhand first; the document is used as written`,
      source: at(reasons[0]),
    });
  }
}

function metadataName(doc: Record<string, unknown>): string | undefined {
  const m = doc.metadata;
  if (!isRecord(m)) return undefined;
  return typeof m.name === 'string' && m.name !== '' ? m.name : undefined;
}

function envelopeError(result: DesignLoadResult, ref: { kind: string; name: string } | undefined, field: string, message: string, source: SourceRef): void {
  result.findings.push({ severity: 'error', code: 'document-envelope', document: ref, field, message, source });
}

function schemaError(result: DesignLoadResult, ref: { kind: string; name: string }, field: string, message: string, source: SourceRef): void {
  result.findings.push({ severity: 'error', code: 'schema', document: ref, field: field || undefined, message, source });
}

/** Turns zod issues into findings an operator can act on: field path, what was found, what is expected. */
function issueFindings(issues: readonly z.core.$ZodIssue[], body: unknown, kind: DesignKind, ref: { kind: string; name: string }, at: (path: Path) => SourceRef): Finding[] {
  const out: Finding[] = [];
  const push = (path: Path, message: string): void => {
    out.push({ severity: 'error', code: 'schema' satisfies FindingCode, document: ref, field: formatPath(path) || undefined, message, source: at(path) });
  };
  for (const issue of issues) {
    const path = issue.path.filter((p): p is string | number => typeof p === 'string' || typeof p === 'number');
    const raw = valueAt(body, path);
    // A mistyped credential is still a credential: say what kind of value it is, never the value.
    const value = isSensitive(path) && raw !== undefined && raw !== null && typeof raw !== 'object' ? new Redacted(typeof raw) : raw;
    const custom = !/^(Invalid|Too (small|big)|Unrecognized)/.test(issue.message);
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys) {
          const hint = suggest(key, knownFieldNames(kind));
          push([...path, key], `unknown field "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}`);
        }
        break;
      case 'invalid_type':
        if (value === undefined) push(path, `missing required field "${String(path[path.length - 1] ?? '')}"`);
        else if (custom) push(path, issue.message);
        else push(path, `expected ${article(issue.expected)}, found ${describe(value)}${quoteHint(issue.expected, value)}`);
        break;
      case 'invalid_value':
        push(path, custom ? issue.message : `${describe(value)} is not allowed here; use one of: ${issue.values.map((v) => String(v)).join(', ')}`);
        break;
      case 'too_small':
        push(path, custom ? issue.message : issue.origin === 'array' ? `needs at least ${String(issue.minimum)} item(s)` : `must be at least ${String(issue.minimum)}`);
        break;
      case 'too_big':
        push(path, custom ? issue.message : `must be at most ${String(issue.maximum)}`);
        break;
      case 'invalid_format':
        push(path, custom ? issue.message : issue.format === 'url' ? `${describe(value)} is not an http(s) URL` : `${describe(value)} is not a valid ${issue.format}`);
        break;
      case 'invalid_union':
        push(path, custom ? issue.message : `${describe(value)} does not have an accepted form`);
        break;
      default:
        push(path, issue.message);
    }
  }
  return out;
}

function article(expected: string): string {
  const names: Record<string, string> = { string: 'a string', number: 'a number', int: 'an integer', boolean: 'a boolean (true or false)', array: 'a list', object: 'a mapping', record: 'a mapping', null: 'an empty value' };
  return names[expected] ?? expected;
}

function quoteHint(expected: string, value: unknown): string {
  if (value instanceof Redacted) return expected === 'string' ? '; quote it' : '';
  if (expected === 'string' && (typeof value === 'number' || typeof value === 'boolean')) return `; quote it if it is meant as text: '${String(value)}'`;
  return '';
}

const SENSITIVE = /credential|password|passphrase|secret|token|api_key|^key$/i;

function isSensitive(path: ReadonlyArray<string | number>): boolean {
  return path.some((p) => typeof p === 'string' && SENSITIVE.test(p));
}

class Redacted {
  constructor(readonly type: string) {}
}

export function describe(value: unknown): string {
  if (value instanceof Redacted) return `a ${value.type} (not shown: it is a credential)`;
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `"${value.length > 60 ? `${value.slice(0, 57)}...` : value}"`;
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'boolean') return `the boolean ${String(value)}`;
  return typeof value;
}

function valueAt(root: unknown, path: ReadonlyArray<string | number>): unknown {
  let cur: unknown = root;
  for (const seg of path) {
    if (Array.isArray(cur) && typeof seg === 'number') cur = cur[seg];
    else if (isRecord(cur) && typeof seg === 'string' && Object.prototype.hasOwnProperty.call(cur, seg)) cur = cur[seg];
    else return undefined;
  }
  return cur;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The position of `path` (from the document root), or of its nearest ancestor that has one. */
export function lookup(positions: ReadonlyMap<string, SourceRef>, path: Path): SourceRef | undefined {
  for (const p of pathAncestry(path)) {
    if (p.length === 0) return undefined;
    const hit = positions.get(formatPath(p));
    if (hit) return hit;
  }
  return undefined;
}

/** The position of a field of a loaded document (path relative to its data/spec section). */
export function positionIn(doc: Pick<LoadedDocument, 'positions' | 'bodyKey' | 'source'>, path: Path): SourceRef {
  return lookup(doc.positions, [doc.bodyKey, ...path]) ?? doc.source;
}
