/** The progress query's node list, counted first and then paged, so that its answer stays small
 * at any site size (pure: used by the site and lane workflows, and tested on its own). */
import { DEFAULT_PROGRESS_PAGE, type NodeProgress, type NodeResult, type ProgressQueryOptions, type SiteAction, type SiteProgress } from '../src/contracts/deployment';

export interface NodeLists {
  action: SiteAction;
  results: NodeResult[];
  running: NodeProgress[];
  queue: string[];
}

export type NodePage = Pick<SiteProgress, 'nodes' | 'counts' | 'page'>;

function resultState(r: NodeResult): NodeProgress['state'] {
  return r.outcome === 'success' ? 'succeeded' : r.outcome === 'failure' ? 'failed' : 'skipped';
}

/** Counts of every list, and the requested page of finished, running and queued nodes (in that
 * order), built only for the nodes of the page. */
export function pageNodes(lists: NodeLists, options: ProgressQueryOptions = {}): NodePage {
  const { action, results, running, queue } = lists;
  const offset = Math.max(0, Math.floor(options.offset ?? 0));
  const limit = Math.max(0, Math.floor(options.limit ?? DEFAULT_PROGRESS_PAGE));
  const wanted = options.state;
  const nodes: NodeProgress[] = [];
  let matched = 0;
  const only = options.node;
  const take = (name: string, state: NodeProgress['state'], build: () => NodeProgress): void => {
    if ((wanted !== undefined && state !== wanted) || (only !== undefined && name !== only)) return;
    if (matched >= offset && nodes.length < limit) nodes.push(build());
    matched++;
  };
  const counts = { total: results.length + running.length + queue.length, pending: queue.length, running: running.length, succeeded: 0, failed: 0, skipped: 0 };
  for (const r of results) {
    const state = resultState(r);
    if (state === 'succeeded') counts.succeeded++;
    else if (state === 'failed') counts.failed++;
    else counts.skipped++;
    take(r.node, state, () => ({ node: r.node, action, state, steps: r.steps, lastError: r.outcome === 'failure' ? r.message : undefined, workflowId: r.workflowId }));
  }
  for (const p of running) take(p.node, p.state, () => p);
  for (const name of queue) take(name, 'pending', () => ({ node: name, action, state: 'pending', steps: [] }));
  return { nodes, counts, page: { offset, limit, ...(wanted === undefined ? {} : { state: wanted }), matched } };
}
