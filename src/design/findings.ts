import type { SourceRef } from './model';

export type Severity = 'error' | 'warning' | 'info';

/** One thing the loader, compiler or a validation rule has to say about a design. */
export interface Finding {
  severity: Severity;
  /** Stable code from the registry in `codes.ts`, e.g. `storage-sizing`. */
  code: string;
  /** The document the finding is about. `kind` is a Drydock kind, or the schema of a skipped document. */
  document?: { kind: string; name: string };
  /** Field path inside the document's data/spec section, e.g. `interfaces.bond0.networks[1]`. */
  field?: string;
  message: string;
  /** Where to look: the exact line when known, else the document's first line. */
  source?: SourceRef;
}

export function hasErrors(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.severity === 'error');
}

/** Gives findings about the design as a whole (no document, no line) a place to point at. */
export function withFallbackSource(findings: Finding[], fallback: SourceRef | undefined): Finding[] {
  if (!fallback) return findings;
  for (const f of findings) if (!f.source) f.source = { ...fallback };
  return findings;
}

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** Orders findings by file, line and column, then severity, so output is stable and readable. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => {
    const fa = a.source?.file ?? '';
    const fb = b.source?.file ?? '';
    if (fa !== fb) return fa < fb ? -1 : 1;
    const la = a.source?.line ?? 0;
    const lb = b.source?.line ?? 0;
    if (la !== lb) return la - lb;
    const ca = a.source?.column ?? 0;
    const cb = b.source?.column ?? 0;
    if (ca !== cb) return ca - cb;
    if (a.severity !== b.severity) return SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity];
    return a.code < b.code ? -1 : a.code > b.code ? 1 : 0;
  });
}
