import type { NodeProgress, NodeResult } from '../../../src/contracts/deployment';
import { pageNodes } from '../../../workflows/progress';

const name = (i: number): string => `node${String(i).padStart(5, '0')}`;

/** A 10,000-node run midway: 6,000 finished (every 10th failed, every 50th skipped), 1,000 running, 3,000 queued. */
function lists() {
  const results: NodeResult[] = Array.from({ length: 6000 }, (_, i) => {
    const outcome = i % 50 === 0 ? 'skipped' : i % 10 === 0 ? 'failure' : 'success';
    return { node: name(i), rack: `rack${Math.floor(i / 50)}`, outcome, message: outcome === 'failure' ? 'ApplyNodeStorage failed: injected' : 'DeployNodes done (12 steps, 0 skipped)', workflowId: `node:site:${name(i)}`, steps: [] };
  });
  const running: NodeProgress[] = Array.from({ length: 1000 }, (_, i) => ({ node: name(6000 + i), action: 'DeployNodes', state: 'running', steps: [], workflowId: `node:site:${name(6000 + i)}`, startedAt: 1 }));
  const queue = Array.from({ length: 3000 }, (_, i) => name(7000 + i));
  return { action: 'DeployNodes' as const, results, running, queue };
}

describe('the progress query at 10,000 nodes', () => {
  it('counts every node and returns a bounded first page by default, far below the 2 MB payload limit', () => {
    const page = pageNodes(lists());
    expect(page.counts).toEqual({ total: 10000, pending: 3000, running: 1000, succeeded: 5400, failed: 480, skipped: 120 });
    expect(page.nodes).toHaveLength(1000);
    expect(page.page).toEqual({ offset: 0, limit: 1000, matched: 10000 });
    expect(JSON.stringify(page).length).toBeLessThan(256 * 1024);
    // The whole list unpaged, for comparison: about ten times the page.
    expect(JSON.stringify(pageNodes(lists(), { limit: 10000 })).length).toBeGreaterThan(8 * JSON.stringify(page).length);
  });

  it('pages through one state: offset and limit count only the nodes in that state', () => {
    const failed = pageNodes(lists(), { state: 'failed', offset: 470, limit: 100 });
    expect(failed.page).toEqual({ offset: 470, limit: 100, state: 'failed', matched: 480 });
    // Failed nodes are every 10th not every 50th: the 471st to 480th of them are nodes 5880-5990 but 5950.
    expect(failed.nodes.map((n) => n.node)).toEqual([5870, 5880, 5890, 5910, 5920, 5930, 5940, 5960, 5970, 5980, 5990].slice(1).map(name));
    expect(failed.nodes.every((n) => n.state === 'failed' && n.lastError === 'ApplyNodeStorage failed: injected')).toBe(true);
    const pending = pageNodes(lists(), { state: 'pending', offset: 2990 });
    expect(pending.nodes.map((n) => n.node)).toEqual(Array.from({ length: 10 }, (_, k) => name(9990 + k)));
    expect(pageNodes(lists(), { state: 'running', limit: 2 }).nodes.map((n) => n.node)).toEqual([name(6000), name(6001)]);
  });

  it('answers counts only with limit 0, and walks the whole list in order page by page', () => {
    const counts = pageNodes(lists(), { limit: 0 });
    expect(counts.nodes).toEqual([]);
    expect(counts.counts.total).toBe(10000);
    const seen: string[] = [];
    for (let offset = 0; ; offset += 1000) {
      const { nodes } = pageNodes(lists(), { offset });
      if (nodes.length === 0) break;
      seen.push(...nodes.map((n) => n.node));
    }
    expect(seen).toEqual(Array.from({ length: 10000 }, (_, i) => name(i)));
  });

  it('finds one node by name wherever it is in the list, without paging', () => {
    for (const [i, state] of [[50, 'skipped'], [10, 'failed'], [11, 'succeeded'], [6500, 'running'], [9999, 'pending']] as const) {
      const one = pageNodes(lists(), { node: name(i) });
      expect(one.nodes).toEqual([expect.objectContaining({ node: name(i), state })]);
      expect(one.page?.matched).toBe(1);
      expect(one.counts.total).toBe(10000);
    }
    expect(pageNodes(lists(), { node: name(10), state: 'succeeded' }).nodes).toEqual([]);
    expect(pageNodes(lists(), { node: 'nosuchnode' }).page?.matched).toBe(0);
  });
});
