import type { NodeResult, SiteActionResult } from '../../../src/contracts/deployment';
import { resultPage } from '../../../src/client/result-page';
import { renderStatus } from '../../../src/cli/render';
import { siteResult } from '../../../workflows/results';

const name = (i: number): string => `node${String(i).padStart(5, '0')}`;

/** The result of a finished 10,000-node run: every 10th failed, every 50th skipped (busy). */
function result10k(): SiteActionResult {
  const results: NodeResult[] = Array.from({ length: 10000 }, (_, i) => {
    const outcome = i % 50 === 0 ? 'skipped' : i % 10 === 0 ? 'failure' : 'success';
    const message = outcome === 'failure' ? 'ApplyNodeStorage failed: injected' : outcome === 'skipped' ? `node busy: node:site:${name(i)} is already running` : 'DeployNodes done';
    return { node: name(i), rack: `rack${Math.floor(i / 50)}`, outcome, message, workflowId: `node:site:${name(i)}`, steps: [], ...(outcome === 'failure' ? { failedStep: 'ApplyNodeStorage' as const } : {}) };
  });
  return siteResult('DeployNodes', { siteName: 'site', designHash: 'f'.repeat(64), siteSteps: [], results, queue: [], findings: [], paused: false, retries: 0, runs: 0, compactNodeResults: true }, false);
}

describe("a finished 10,000-node run's nodes, counted and paged", () => {
  it('counts every node (also those the result only names) and returns the requested page, far below 2 MB', () => {
    const result = result10k();
    expect(result.nodes).toHaveLength(800); // only the failures are kept whole
    const page = resultPage(result, { limit: 100 });
    expect(page.counts).toEqual({ total: 10000, pending: 0, running: 0, succeeded: 9000, failed: 800, skipped: 200 });
    expect(page.nodes).toHaveLength(100);
    expect(page.page).toEqual({ offset: 0, limit: 100, matched: 10000 });
    expect(Buffer.byteLength(JSON.stringify(resultPage(result)))).toBeLessThan(256 * 1024);
  });

  it('pages one state with offset and limit, and finds one node by name', () => {
    const result = result10k();
    const skipped = resultPage(result, { state: 'skipped', offset: 190, limit: 50 });
    expect(skipped.page).toEqual({ offset: 190, limit: 50, state: 'skipped', matched: 200 });
    expect(skipped.nodes.map((n) => n.node)).toEqual(Array.from({ length: 10 }, (_, k) => name((190 + k) * 50)));
    expect(skipped.nodes[0].lastError).toContain('node busy');
    const failed = resultPage(result, { state: 'failed', limit: 1000 });
    expect(failed.nodes).toHaveLength(800);
    expect(failed.nodes.every((n) => n.state === 'failed' && n.lastError === 'ApplyNodeStorage failed: injected')).toBe(true);
    const succeeded: string[] = [];
    for (let offset = 0; ; offset += 1000) {
      const { nodes } = resultPage(result, { state: 'succeeded', offset });
      if (nodes.length === 0) break;
      succeeded.push(...nodes.map((n) => n.node));
    }
    expect(new Set(succeeded).size).toBe(9000);
    expect(resultPage(result, { node: name(7777) }).nodes).toEqual([expect.objectContaining({ node: name(7777), state: 'succeeded' })]);
    expect(resultPage(result, { node: name(7770) }).nodes).toEqual([expect.objectContaining({ node: name(7770), state: 'failed' })]);
  });

  it('drydock status prints the counts, one page and how to get the next, not 10,000 rows', () => {
    const result = result10k();
    const nodePage = resultPage(result, { state: 'failed', offset: 100, limit: 100 });
    const text = renderStatus({ workflowId: 'DeployNodes:x', action: 'DeployNodes', execution: 'COMPLETED', result, nodePage });
    expect(text).toContain('nodes: 10000 total, 0 running, 0 pending, 9000 succeeded, 800 failed, 200 skipped');
    expect(text).toContain('showing nodes 101-200 of 800 failed; next: drydock status DeployNodes:x --state failed --offset 200 --limit 100');
    expect(text).toContain(`${name(1260)}  failure  ApplyNodeStorage`);
    expect(text).toContain('... and 180 more (drydock status <workflow-id> --state skipped)');
    expect(text.split('\n').length).toBeLessThan(160);
  });
});
