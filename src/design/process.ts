import { compileDesign } from './compile';
import { Finding, hasErrors, withFallbackSource } from './findings';
import { DesignSource, loadDesign } from './load';
import type { CompiledSite } from './model';
import { validateDesign, ValidateOptions } from './validate';

export type ProcessOptions = ValidateOptions;

export interface ProcessResult {
  site?: CompiledSite;
  /** Load, compile and validation findings, in that order. */
  findings: Finding[];
  /** No error finding. */
  ok: boolean;
  /** A source is not valid YAML. */
  parseFailed: boolean;
}

/** Load, compile and validate in one call (compile and validate only when every source parsed). Pure. */
export function processDesign(sources: ReadonlyArray<DesignSource>, options: ProcessOptions = {}): ProcessResult {
  const loaded = loadDesign(sources);
  // Documents are missing where YAML did not parse: rules would only report the consequences.
  const fallback = sources.length > 0 ? { file: sources[0].name, line: 1, column: 1 } : undefined;
  if (loaded.parseFailed) return { findings: withFallbackSource(loaded.findings, fallback), ok: false, parseFailed: true };
  const compiled = compileDesign(loaded);
  const findings = withFallbackSource([...loaded.findings, ...compiled.findings, ...validateDesign(compiled, options)], fallback);
  return { site: compiled.site, findings, ok: !hasErrors(findings), parseFailed: loaded.parseFailed };
}
