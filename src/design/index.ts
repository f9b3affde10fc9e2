/**
 * Site designs: Drydock documents -> validated, compiled site model. Everything exported here is
 * pure (no Node built-ins) and may be used from workflows. Reading files and stdin is in
 * `./read-files`, hashing sources in `./hash`.
 */
export { loadDesign } from './load';
export type { DesignLoadResult, DesignSource, LoadedDocument, RejectedDocument } from './load';
export { compileDesign } from './compile';
export type { CompileOptions, CompileResult, CompiledDesign, CompiledNode } from './compile';
export { validateDesign } from './validate';
export type { ValidateOptions } from './validate';
export { processDesign } from './process';
export type { ProcessOptions, ProcessResult } from './process';
export { hasErrors, sortFindings } from './findings';
export type { Finding, Severity } from './findings';
export { CODES } from './codes';
export type { FindingCode } from './codes';
export { filterNodes, nodeFilterFromSelectors, NodeSelectorError, selectNodes } from './node-filter';
export type { NodeSelectors } from './node-filter';
export { formatFinding, formatFindings } from './format';
export { suggest as suggestName } from './schema-fields';
export type * from './model';
