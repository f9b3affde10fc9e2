import type { Finding } from '../design/findings';

/**
 * Drydock's validation Status (objects/validation.py Validation.to_dict plus the `code` the
 * validatedesign route adds), built from our findings: one ValidationMessage per finding, named
 * by its rule code, with the document it is about and where in the file to look.
 */
export type ValidationMessage = {
  kind: 'ValidationMessage';
  name: string;
  message: string;
  error: boolean;
  level: 'Error' | 'Warning' | 'Info';
  diagnostic: string | null;
  ts: string;
  documents: Array<{ schema: string; name: string }>;
};

export type ValidationStatus = {
  kind: 'Status';
  apiVersion: 'v1.0';
  metadata: Record<string, never>;
  message: string;
  reason: string;
  status: 'Success' | 'Failure';
  code: 200 | 400;
  details: { errorCount: number; messageList: ValidationMessage[] };
};

const LEVEL = { error: 'Error', warning: 'Warning', info: 'Info' } as const;

function schemaOf(kind: string): string {
  // Findings name a Drydock kind (HostProfile) or, for documents we skipped, their schema.
  return kind.includes('/') ? kind : `drydock/${kind}/v1`;
}

export function validationMessage(f: Finding, ts: string): ValidationMessage {
  const where = f.source ? `${f.source.file}:${f.source.line}:${f.source.column}` : undefined;
  const diagnostic = [where, f.field ? `field ${f.field}` : undefined, `rule ${f.code}`].filter(Boolean).join(', ');
  return {
    kind: 'ValidationMessage',
    name: f.code,
    message: f.message,
    error: f.severity === 'error',
    level: LEVEL[f.severity],
    diagnostic,
    ts,
    documents: f.document ? [{ schema: schemaOf(f.document.kind), name: f.document.name }] : [],
  };
}

export function validationStatus(findings: readonly Finding[], now = new Date()): ValidationStatus {
  const ts = now.toISOString();
  const messageList = findings.map((f) => validationMessage(f, ts));
  const errorCount = messageList.filter((m) => m.error).length;
  const ok = errorCount === 0;
  return {
    kind: 'Status',
    apiVersion: 'v1.0',
    metadata: {},
    message: ok ? 'Drydock Validation: the design is valid' : `Drydock Validation: ${errorCount} error(s) in the design`,
    reason: ok ? 'Validation' : 'Validation failed',
    status: ok ? 'Success' : 'Failure',
    code: ok ? 200 : 400,
    details: { errorCount, messageList },
  };
}
