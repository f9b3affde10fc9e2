import { CompileResult, compileDesign } from './compile';
import { Finding, withFallbackSource } from './findings';
import type { DesignLoadResult } from './load';
import { RULES, ValidateOptions } from './rules';

export type { ValidateOptions } from './rules';

/**
 * Runs every validation rule over a compiled design (compiling a loaded one first) and returns
 * the rules' findings. Load and compile findings are not repeated here: `processDesign` gathers
 * all three. A rule that throws (a bug) becomes an error finding instead of ending the run.
 */
export function validateDesign(input: DesignLoadResult | CompileResult, options: ValidateOptions = {}): Finding[] {
  const compiled = 'design' in input ? input : compileDesign(input);
  const ctx = { design: compiled.design, options, nodes: compiled.design.nodes.filter((n) => n.complete) };
  const findings: Finding[] = [];
  for (const rule of RULES) {
    try {
      findings.push(...rule.run(ctx));
    } catch (err) {
      findings.push({ severity: 'error', code: rule.code, message: `internal error in rule ${rule.code}: ${err instanceof Error ? err.message : String(err)}; please report it` });
    }
  }
  const first = compiled.design.documents[0]?.source;
  return withFallbackSource(findings, first ? { file: first.file, line: 1, column: 1 } : undefined);
}
