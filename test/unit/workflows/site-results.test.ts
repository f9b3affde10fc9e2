import type { CarriedState, NodeResult, StepRecord } from '../../../src/contracts/deployment';
import { processDesign } from '../../../src/design';
import { simSiteDesign } from '../../../lab/sim-site';
import { siteContextOf } from '../../../activities/design';
import { keptNodeResult, nodeSiteContext, siteResult } from '../../../workflows/results';

const STEPS = ['ConfigurePortProvisioning', 'CheckExists', 'SetNodeBoot', 'PowerCycleNode', 'IdentifyNode', 'ConfigureHardware', 'ApplyNodeNetworking', 'ApplyNodeStorage', 'ApplyNodePlatform', 'DeployNode', 'ConfigurePortProduction', 'RelabelNode'] as const;

function nodeResult(i: number, failAt?: number): NodeResult {
  const node = `node${String(i).padStart(4, '0')}`;
  const steps: StepRecord[] = STEPS.slice(0, failAt === undefined ? STEPS.length : failAt + 1).map((step, k) => ({
    step,
    status: k === failAt ? 'failed' : 'succeeded',
    message: k === failAt ? `injected failure of ${step} on ${node}` : `${step} of ${node}: done after a realistic amount of talk (no change)`,
    elapsedMs: 1234,
  }));
  return failAt === undefined
    ? { node, rack: 'rack01', outcome: 'success', message: 'DeployNodes done (12 steps, 0 skipped)', workflowId: `node:site:${node}`, steps }
    : { node, rack: 'rack01', outcome: 'failure', failedStep: STEPS[failAt], message: `${STEPS[failAt]} failed`, workflowId: `node:site:${node}`, steps };
}

function state(results: NodeResult[], compact?: boolean): CarriedState {
  return { siteName: 'site', designHash: 'f'.repeat(64), siteSteps: [], results, queue: [], findings: [], paused: false, retries: 0, runs: 0, ...(compact ? { compactNodeResults: true } : {}) };
}

describe('node results kept by the site workflow', () => {
  it('keeps a node result whole unless the run is compact', () => {
    const r = nodeResult(1);
    expect(keptNodeResult(r, undefined)).toBe(r);
    expect(keptNodeResult(r, false)).toBe(r);
  });

  it('in a compact run keeps no steps of a node that succeeded and only the failed step of one that failed', () => {
    expect(keptNodeResult(nodeResult(1), true)).toEqual({ ...nodeResult(1), steps: [] });
    const failed = keptNodeResult(nodeResult(2, 9), true);
    expect(failed).toMatchObject({ outcome: 'failure', failedStep: 'DeployNode', message: 'DeployNode failed' });
    expect(failed.steps).toEqual([{ step: 'DeployNode', status: 'failed', message: 'injected failure of DeployNode on node0002', elapsedMs: 1234 }]);
  });

  it('says in the site result when node results are compact, and not otherwise', () => {
    expect(siteResult('DeployNodes', state([nodeResult(1)]), false)).not.toHaveProperty('compactNodeResults');
    expect(siteResult('DeployNodes', state([keptNodeResult(nodeResult(1), true)], true), false)).toMatchObject({ compactNodeResults: true, status: 'success', successes: ['node0001'] });
  });

  it('keeps the result of a 5,000-node run far below the 2 MB payload limit, even with every node failed', () => {
    const all = Array.from({ length: 5000 }, (_, i) => keptNodeResult(nodeResult(i, i % 2 ? 9 : undefined), true));
    const bytes = Buffer.byteLength(JSON.stringify(siteResult('DeployNodes', state(all, true), false)));
    expect(bytes).toBeLessThan(2 * 1024 * 1024);
    // Whole results would not fit: this is what compaction is for.
    const whole = Array.from({ length: 5000 }, (_, i) => nodeResult(i, i % 2 ? 9 : undefined));
    expect(Buffer.byteLength(JSON.stringify(siteResult('DeployNodes', state(whole), false)))).toBeGreaterThan(2 * 1024 * 1024);
  });
});

describe('the result of a 10,000-node run', () => {
  it('names every node but keeps results only of nodes that did not succeed: about a tenth of the 2 MB limit', () => {
    const all = Array.from({ length: 10000 }, (_, i) => keptNodeResult(nodeResult(i, i % 100 === 0 ? 9 : undefined), true));
    const result = siteResult('DeployNodes', state(all, true), false);
    expect(result).toMatchObject({ status: 'partial_success', compactNodeResults: true, successNodeResultsOmitted: true });
    expect(result.successes).toHaveLength(9900);
    expect(result.failures).toHaveLength(100);
    expect(result.nodes.map((n) => n.outcome)).toEqual(Array(100).fill('failure'));
    expect(Buffer.byteLength(JSON.stringify(result))).toBeLessThan(300 * 1024);
    // Every result kept, even compact, would be near the limit.
    expect(Buffer.byteLength(JSON.stringify({ ...result, nodes: all }))).toBeGreaterThan(1.2 * 1024 * 1024);
  });

  it('an aborted run (100 nodes stopped, 9,900 never started) names the skipped nodes once: under 1 MB, not over 2 MB', () => {
    const name = (i: number): string => `node${String(i).padStart(5, '0')}`;
    const all: NodeResult[] = Array.from({ length: 10000 }, (_, i) =>
      i < 100
        ? { node: name(i), rack: `rack${Math.floor(i / 50)}`, outcome: 'failure', failedStep: 'ConfigurePortProvisioning', message: 'ConfigurePortProvisioning failed: aborted by an operator', workflowId: `node:site:${name(i)}`, steps: [] }
        : { node: name(i), rack: `rack${Math.floor(i / 50)}`, outcome: 'skipped', message: 'the run was aborted before this node started', workflowId: `node:site:${name(i)}`, steps: [] },
    );
    const result = siteResult('DeployNodes', state(all, true), true);
    expect(result).toMatchObject({ status: 'failure', successNodeResultsOmitted: true, skippedNodeResultsOmitted: true });
    expect(result.skipped).toHaveLength(9900);
    expect(result.skipped[0]).toEqual({ node: name(100), reason: 'the run was aborted before this node started' });
    expect(result.nodes.map((n) => n.outcome)).toEqual(Array(100).fill('failure'));
    expect(Buffer.byteLength(JSON.stringify(result))).toBeLessThan(1024 * 1024);
    // With the skipped nodes' results kept as well, the result would pass the 2 MB limit.
    expect(Buffer.byteLength(JSON.stringify({ ...result, nodes: all }))).toBeGreaterThan(2 * 1024 * 1024);
  });

  it('keeps every node result up to 2,000 nodes', () => {
    const all = Array.from({ length: 2000 }, (_, i) => keptNodeResult(nodeResult(i), true));
    const result = siteResult('DeployNodes', state(all, true), false);
    expect(result.nodes).toHaveLength(2000);
    expect(result).not.toHaveProperty('successNodeResultsOmitted');
  });
});

describe('the verdict of a run with skipped nodes', () => {
  const busy = (i: number): NodeResult => ({ node: `node${String(i).padStart(4, '0')}`, rack: 'rack01', outcome: 'skipped', message: `node busy: node:site:node${String(i).padStart(4, '0')} is already running by deploy-other`, workflowId: `node:site:node${i}`, steps: [] });

  it('all nodes skipped is incomplete, not success, and names the count and the holder', () => {
    const result = siteResult('DeployNodes', state([busy(1), busy(2), busy(3), busy(4)]), false);
    expect(result.status).toBe('incomplete');
    expect(result.skipped).toHaveLength(4);
    expect(result.message).toBe('not everything was done: 0 node(s) succeeded, 4 skipped (node0001: node busy: node:site:node0001 is already running by deploy-other; ...)');
  });

  it('some done and some skipped is partial_success with the skipped count', () => {
    const result = siteResult('DestroyNodes', state([nodeResult(1), nodeResult(2), nodeResult(3), busy(4), busy(5)]), false);
    expect(result).toMatchObject({ status: 'partial_success', successes: ['node0001', 'node0002', 'node0003'] });
    expect(result.message).toContain('3 node(s) succeeded, 2 skipped');
  });

  it('every node done is success; failures with skipped nodes still count both', () => {
    expect(siteResult('DeployNodes', state([nodeResult(1), nodeResult(2)]), false)).toMatchObject({ status: 'success', message: '2 node(s) succeeded' });
    const mixed = siteResult('DeployNodes', state([nodeResult(1), nodeResult(2, 9), busy(3)]), false);
    expect(mixed).toMatchObject({ status: 'partial_success' });
    expect(mixed.message).toContain('1 succeeded, 1 skipped');
  });
});

describe('the site context a node workflow gets', () => {
  const compiled = processDesign([{ name: 'site.yaml', text: simSiteDesign({ site: 'big', nodes: 400, racks: 8 }) }]);
  const site = siteContextOf(compiled.site!);
  const node = compiled.site!.nodes.find((n) => n.name === 'node0123')!;

  it('holds only the node\'s boot actions, each targeting only this node, and the rest of the site as it is', () => {
    expect(compiled.ok).toBe(true);
    expect(site.bootActions.packages.targetNodes).toHaveLength(400);
    const own = nodeSiteContext(node, site);
    expect(Object.keys(own.bootActions)).toEqual(node.bootActions);
    expect(own.bootActions.packages).toEqual({ ...site.bootActions.packages, targetNodes: ['node0123'] });
    const { bootActions: _a, ...rest } = own;
    const { bootActions: _b, ...siteRest } = site;
    expect(rest).toEqual(siteRest);
    // The site's own copy is untouched.
    expect(site.bootActions.packages.targetNodes).toHaveLength(400);
  });

  it('leaves out boot actions that do not target the node', () => {
    const own = nodeSiteContext({ ...node, bootActions: [] }, site);
    expect(own.bootActions).toEqual({});
  });

  it('does not grow with the number of nodes in the site', () => {
    const small = processDesign([{ name: 'site.yaml', text: simSiteDesign({ site: 'big', nodes: 10, racks: 8 }) }]);
    const smallSite = siteContextOf(small.site!);
    const smallNode = small.site!.nodes[0];
    const size = (n: typeof node, s: typeof site): number => JSON.stringify(nodeSiteContext(n, s)).length;
    expect(Math.abs(size(node, site) - size(smallNode, smallSite))).toBeLessThan(16);
  });
});
