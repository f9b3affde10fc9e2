import type { NodeProgress, NodeResult, ProgressQueryOptions, SiteActionResult, SiteProgress } from '../contracts/deployment';
import { DEFAULT_PROGRESS_PAGE } from '../contracts/deployment';

/** A finished run's nodes as the progress query pages a running one's: counts of every node,
 * then one page (`offset`, `limit`, `state`, `node`) of them, in the result's order (the nodes
 * it keeps, then the successes and skipped nodes it only names: runs above 2,000 nodes omit
 * their entries). */
export type ResultPage = Pick<SiteProgress, 'counts' | 'nodes' | 'page'>;

function stateOf(r: NodeResult): NodeProgress['state'] {
  return r.outcome === 'success' ? 'succeeded' : r.outcome === 'failure' ? 'failed' : 'skipped';
}

export function resultPage(result: SiteActionResult, options: ProgressQueryOptions = {}): ResultPage {
  const offset = Math.max(0, Math.floor(options.offset ?? 0));
  const limit = Math.max(0, Math.floor(options.limit ?? DEFAULT_PROGRESS_PAGE));
  const nodes: NodeProgress[] = [];
  let matched = 0;
  const take = (name: string, state: NodeProgress['state'], build: () => NodeProgress): void => {
    if ((options.state !== undefined && state !== options.state) || (options.node !== undefined && name !== options.node)) return;
    if (matched >= offset && nodes.length < limit) nodes.push(build());
    matched++;
  };
  const kept = new Set<string>();
  for (const r of result.nodes) {
    kept.add(r.node);
    const state = stateOf(r);
    take(r.node, state, () => ({ node: r.node, action: result.action, state, steps: r.steps, workflowId: r.workflowId, ...(r.outcome === 'failure' ? { lastError: r.message } : {}) }));
  }
  for (const name of result.successes) {
    if (!kept.has(name)) take(name, 'succeeded', () => ({ node: name, action: result.action, state: 'succeeded', steps: [] }));
  }
  for (const s of result.skipped) {
    if (!kept.has(s.node)) take(s.node, 'skipped', () => ({ node: s.node, action: result.action, state: 'skipped', steps: [], lastError: s.reason }));
  }
  const counts = { total: result.successes.length + result.failures.length + result.skipped.length, pending: 0, running: 0, succeeded: result.successes.length, failed: result.failures.length, skipped: result.skipped.length };
  return { counts, nodes, page: { offset, limit, ...(options.state === undefined ? {} : { state: options.state }), matched } };
}
