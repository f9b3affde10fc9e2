import { CODES, FindingCode } from '../codes';
import type { CompiledDesign, CompiledNode, Origin } from '../compile';
import type { Finding, Severity } from '../findings';
import { LoadedDocument, positionIn } from '../load';
import { formatPath, Path } from '../paths';

export interface ValidateOptions {
  /** What the node bootstrapper offers, for platform-selection; without it that rule only says it did not run. */
  availableImages?: { images: string[]; kernels: string[] };
}

export interface RuleContext {
  design: CompiledDesign;
  options: ValidateOptions;
  /** Nodes whose profile chain compiled: node-level rules check these. */
  nodes: CompiledNode[];
}

/** One validation rule: a stable code from the registry and a pure check. */
export interface Rule {
  code: FindingCode;
  run(ctx: RuleContext): Finding[];
}

/** A finding about a node, pointing at the line that set the value (the node's or a profile's). */
export function nodeFinding(code: FindingCode, node: CompiledNode, field: Path, message: string, severity?: Severity): Finding {
  const origin = originOf(node, field);
  const inherited = origin && (origin.document.kind !== 'BaremetalNode' || origin.document.name !== node.model.name);
  return {
    severity: severity ?? CODES[code].severity,
    code,
    document: { kind: 'BaremetalNode', name: node.model.name },
    field: formatPath(field) || undefined,
    message: inherited ? `${message} (set in ${origin.document.kind}/${origin.document.name})` : message,
    source: origin?.source ?? node.doc.source,
  };
}

export function originOf(node: CompiledNode, field: Path): Origin | undefined {
  return node.origin(field);
}

/** A finding about a field of a document (positions straight from the document). */
export function docFinding(code: FindingCode, doc: LoadedDocument, field: Path, message: string, severity?: Severity): Finding {
  return {
    severity: severity ?? CODES[code].severity,
    code,
    document: { kind: doc.kind, name: doc.name },
    field: formatPath(field) || undefined,
    message,
    source: positionIn(doc, field),
  };
}

/** A finding about the design as a whole. */
export function designFinding(code: FindingCode, message: string, severity?: Severity): Finding {
  return { severity: severity ?? CODES[code].severity, code, message };
}

/** The key a physical device is written under (its alias, when a hardware profile resolved it). */
export function deviceKey(dev: { name: string; alias?: string }): string {
  return dev.alias ?? dev.name;
}
