import { Finding, sortFindings } from './findings';

/** `severity code Kind/name field.path: message (file:line:col)` */
export function formatFinding(f: Finding): string {
  const parts: string[] = [f.severity, f.code];
  if (f.document) parts.push(`${f.document.kind}/${f.document.name}`);
  const where = f.field ? `${f.field}: ` : '';
  const pos = f.source ? ` (${f.source.file}:${f.source.line}:${f.source.column})` : '';
  return `${parts.join(' ')} ${where}${f.message}${pos}`;
}

/**
 * Findings grouped by document (in order of the document's first finding in the files), each
 * group headed by the document (or the file, for findings outside any document), then
 * design-wide findings.
 */
export function formatFindings(findings: readonly Finding[]): string[] {
  const documents = new Map<string, Finding[]>();
  const rest = new Map<string, Finding[]>();
  for (const f of sortFindings(findings)) {
    const [groups, key] = f.document ? [documents, `${f.document.kind}/${f.document.name}`] : [rest, f.source?.file ?? '(design)'];
    const group = groups.get(key);
    if (group) group.push(f);
    else groups.set(key, [f]);
  }
  const lines: string[] = [];
  for (const [key, group] of [...documents, ...rest]) {
    lines.push(key);
    for (const f of group) lines.push(`  ${formatFinding(f)}`);
  }
  return lines;
}
