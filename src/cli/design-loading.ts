import { Command, Option } from 'commander';
import { resolve as resolvePath } from 'node:path';
import type { DesignRef } from '../contracts/deployment';
import { designHash } from '../design/hash';
import { formatFindings, nodeFilterFromSelectors, NodeSelectorError, processDesign, selectNodes } from '../design';
import type { CompiledSite, NodeFilterSet, NodeModel } from '../design/model';
import { DesignReadError, readDesignSources } from '../design/read-files';
import { CliExit, EXIT } from './exit-codes';

/**
 * How CLI commands read a design: from files, folders or stdin, validated here first so a bad
 * design is refused (exit 2) before anything starts or anything is touched.
 */
export interface FilterFlags {
  node?: string[];
  rack?: string[];
  tag?: string[];
  label?: string[];
}

export function withFilterOptions(command: Command): Command {
  return command
    .addOption(new Option('--node <name...>', 'only these nodes'))
    .addOption(new Option('--rack <name...>', 'only nodes in these racks'))
    .addOption(new Option('--tag <tag...>', 'only nodes with any of these tags'))
    .addOption(new Option('--label <key=value...>', 'only nodes with all of these labels (owner_data)'));
}

export function filterFromFlags(flags: FilterFlags): NodeFilterSet | undefined {
  try {
    return nodeFilterFromSelectors({ nodes: flags.node, racks: flags.rack, tags: flags.tag, labels: flags.label });
  } catch (err) {
    if (err instanceof NodeSelectorError) throw new CliExit(EXIT.badInput, err.message);
    throw err;
  }
}

/** Reads, compiles and validates a design; exits 2 with the findings when it has errors. */
export async function loadCompiledSite(paths: string[]): Promise<{ site: CompiledSite; sources: Array<{ name: string; text: string }>; hash: string }> {
  let sources;
  try {
    sources = await readDesignSources(paths);
  } catch (err) {
    if (err instanceof DesignReadError) throw new CliExit(EXIT.badInput, err.message);
    throw err;
  }
  const result = processDesign(sources);
  if (!result.ok || !result.site) {
    const errors = result.findings.filter((f) => f.severity === 'error');
    throw new CliExit(EXIT.badInput, `the design has ${errors.length} error(s):\n${formatFindings(errors).join('\n')}\nRun \`drydock validate ${paths.join(' ')}\` for every finding.`);
  }
  return { site: result.site, sources, hash: designHash(sources) };
}

export async function loadNode(paths: string[], name: string): Promise<{ site: CompiledSite; node: NodeModel }> {
  const { site } = await loadCompiledSite(paths);
  const node = site.nodes.find((n) => n.name === name);
  if (!node) {
    throw new CliExit(EXIT.badInput, `the design has no node "${name}"; its nodes are: ${site.nodes.map((n) => n.name).join(', ') || '(none)'}`);
  }
  return { site, node };
}

/** Designs up to this size travel inside the workflow input; larger ones as paths. */
const INLINE_LIMIT_BYTES = 512 * 1024;

/**
 * The design reference a run carries. By default the design's content travels with the run
 * (any worker can use it, and it cannot change underneath); `byPath` sends absolute paths
 * instead (workers must see the same files), with the content hash unless `pinContent` is false
 * (schedules read the current files at each run).
 */
export async function designRefForRun(paths: string[], options: { byPath: boolean; pinContent?: boolean }): Promise<DesignRef> {
  return (await designForRun(paths, options)).ref;
}

/** The design reference of a run, and the compiled site it was checked as. */
export async function designForRun(paths: string[], options: { byPath: boolean; pinContent?: boolean }): Promise<{ ref: DesignRef; site: CompiledSite }> {
  const { site, sources, hash } = await loadCompiledSite(paths);
  return { ref: designRefOf(paths, sources, hash, options), site };
}

/**
 * Checks a node filter against the design before a run starts: every node and rack it names
 * must exist, and it must select at least one node. Exits 2 naming what is missing.
 */
export function checkFilterAgainstDesign(site: CompiledSite, filter: NodeFilterSet | undefined): void {
  if (!filter) {
    if (site.nodes.length === 0) throw new CliExit(EXIT.badInput, `the design of site ${site.name} has no nodes`);
    return;
  }
  const nodeNames = site.nodes.map((n) => n.name);
  const rackNames = Object.keys(site.racks);
  const wantedNodes = filter.filterSet.flatMap((f) => f.nodeNames ?? []);
  const unknownNodes = wantedNodes.filter((n) => !nodeNames.includes(n));
  if (unknownNodes.length > 0) {
    throw new CliExit(EXIT.badInput, `the design has no node ${unknownNodes.map((n) => `"${n}"`).join(', ')}; its nodes are: ${nodeNames.join(', ') || '(none)'}`);
  }
  const unknownRacks = filter.filterSet.flatMap((f) => f.rackNames ?? []).filter((r) => !rackNames.includes(r));
  if (unknownRacks.length > 0) {
    throw new CliExit(EXIT.badInput, `the design has no rack ${unknownRacks.map((r) => `"${r}"`).join(', ')}; its racks are: ${rackNames.join(', ') || '(none)'}`);
  }
  if (selectNodes(site, filter).length === 0) {
    throw new CliExit(EXIT.badInput, `the node filter selects no node of site ${site.name} (${site.nodes.length} node(s) in the design): nothing to do`);
  }
}

function designRefOf(paths: string[], sources: Array<{ name: string; text: string }>, hash: string, options: { byPath: boolean; pinContent?: boolean }): DesignRef {
  const size = sources.reduce((n, s) => n + Buffer.byteLength(s.text), 0);
  const pin = options.pinContent !== false;
  if (options.byPath || size > INLINE_LIMIT_BYTES) {
    if (paths.includes('-')) throw new CliExit(EXIT.badInput, 'a design read from standard input cannot be sent by path');
    return { type: 'path', paths: paths.map((p) => resolvePath(p)), sha256: pin ? hash : undefined };
  }
  return { type: 'inline', sources };
}
