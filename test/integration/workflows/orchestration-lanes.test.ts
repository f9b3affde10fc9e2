import { Client } from '@temporalio/client';
import { createActivities } from '../../../activities';
import { DrydockClient } from '../../../src/client';
import { nodeWorkflowId, SiteActionInput, SiteActionResult } from '../../../src/contracts/deployment';
import { SimLedger } from '../../../src/drivers/sim';
import { simSiteDesign } from '../../../lab/sim-site';
import { pollUntil } from '../../../src/tools/poll';
import { readRunState } from '../../support/run-state';
import { connectClient, uniqueTaskQueue, withWorker } from '../../support/temporal';

// The site -> lane -> node tree of large runs, on the real dev server with the `sim` drivers. The
// lane size is lowered so that a few nodes make several lanes.
process.env.SIM_BMC_PASSWORD = 'sim-bmc-secret-lanes';

function inline(text: string): SiteActionInput['design'] {
  return { type: 'inline', sources: [{ name: 'site.yaml', text }] };
}

async function runWith<T>(ledger: SimLedger, fn: (client: Client, drydock: DrydockClient) => Promise<T>): Promise<T> {
  const taskQueue = uniqueTaskQueue('lanes');
  const forActivities = await connectClient();
  try {
    return await withWorker({ taskQueue, activities: createActivities({ simLedger: ledger, client: forActivities.client }), maxHeartbeatThrottleInterval: '1s', defaultHeartbeatThrottleInterval: '1s' }, async (client) => {
      const state = readRunState();
      return fn(client, new DrydockClient(client, { address: state.temporalAddress, namespace: state.namespace, taskQueue }));
    });
  } finally {
    await forActivities.close();
  }
}

function maxConcurrent(ledger: SimLedger, action: string): number {
  const events = ledger.calls.filter((c) => c.action === action).flatMap((c) => [{ t: c.start, d: 1 }, { t: c.end, d: -1 }]);
  events.sort((a, b) => a.t - b.t || a.d - b.d);
  let now = 0;
  let max = 0;
  for (const e of events) max = Math.max(max, (now += e.d));
  return max;
}

describe('large site runs through lane workflows', () => {
  it('lanes parent the node workflows (same ids), the client merges their counts, limits hold, and a failed node is retried', async () => {
    const ledger = new SimLedger();
    const site = `s${Date.now() % 100000}L`;
    await runWith(ledger, async (client, drydock) => {
      const design = inline(simSiteDesign({ site, nodes: 6, racks: 3, latencyMs: 150, failures: [{ node: 'node0003', action: 'DeployNode', times: 1 }] }));
      const { workflowId } = await drydock.startDeployment({ design, options: { laneSize: 2, maxParallelNodes: 3 } });
      const during = await pollUntil(async () => {
        const s = await drydock.getStatus(workflowId);
        return s.progress?.lanes?.length === 3 && s.progress.counts.running > 0 ? s : undefined;
      }, { timeoutMs: 60_000, intervalMs: 100, what: 'the run to have three lanes and running nodes' });
      const c = during.progress!.counts;
      expect(c.total).toBe(6);
      expect(c.pending + c.running + c.succeeded + c.failed + c.skipped).toBe(6);
      const listed = during.progress!.nodes.map((n) => n.node);
      expect(new Set(listed).size).toBe(listed.length);
      expect(during.progress!.page?.matched).toBe(6);
      const onePage = await drydock.getStatus(workflowId, { state: 'pending', limit: 1 });
      expect(onePage.progress!.nodes.length).toBeLessThanOrEqual(1);
      expect(onePage.progress!.nodes.every((n) => n.state === 'pending')).toBe(true);

      const status = await drydock.waitForResult(workflowId, { intervalMs: 200 });
      expect(status.progress?.phase).toBe('awaiting-retry');
      expect(status.progress?.counts).toMatchObject({ total: 6, succeeded: 5, failed: 1, running: 0, pending: 0 });
      expect(status.result).toMatchObject({ status: 'partial_success', failures: [{ node: 'node0003', step: 'DeployNode' }] });
      expect(status.result?.successes.sort()).toEqual(['node0001', 'node0002', 'node0004', 'node0005', 'node0006']);
      const child = await client.workflow.getHandle(nodeWorkflowId(site, 'node0001')).describe();
      expect(child.parentExecution?.workflowId).toBe(`${workflowId}:lane:0.0-0`);
      expect(child.typedSearchAttributes.get({ name: 'DrydockPhase', type: 'KEYWORD' })).toBe('done');
      expect(maxConcurrent(ledger, 'DeployNode')).toBeLessThanOrEqual(3);

      expect(await drydock.retryFailed(workflowId)).toEqual(['node0003']);
      const final = (await client.workflow.getHandle(workflowId).result()) as SiteActionResult;
      expect(final).toMatchObject({ status: 'success', retries: 1, failures: [] });
      expect(final.successes.sort()).toEqual(['node0001', 'node0002', 'node0003', 'node0004', 'node0005', 'node0006']);
      expect(ledger.count('DeployNode', 'node0003')).toBe(2);
    });
  }, 120_000);

  it('a lane continues as new when its history grows, carrying its results, and the site gets every node', async () => {
    const ledger = new SimLedger();
    const site = `s${Date.now() % 100000}C`;
    await runWith(ledger, async (client, drydock) => {
      const { workflowId } = await drydock.startAction('RelabelNodes', { design: inline(simSiteDesign({ site, nodes: 12, racks: 2 })), options: { laneSize: 6, maxParallelNodes: 2, historyEventLimit: 60 } });
      const result = (await client.workflow.getHandle(workflowId).result()) as SiteActionResult;
      expect(result.status).toBe('success');
      expect(result.successes).toHaveLength(12);
      const runs: string[] = [];
      for await (const info of client.workflow.list({ query: `WorkflowId = '${workflowId}:lane:0.0-0'` })) runs.push(info.runId);
      expect(runs.length).toBeGreaterThan(1);
    });
    expect(ledger.count('RelabelNode')).toBe(12);
  }, 120_000);

  it('a second operation on a lane-held node names the site run that holds it', async () => {
    const ledger = new SimLedger();
    const site = `s${Date.now() % 100000}H`;
    await runWith(ledger, async (client, drydock) => {
      const slow = inline(simSiteDesign({ site, nodes: 3, racks: 1, latencyMs: 400 }));
      const first = await drydock.startDeployment({ design: slow, options: { laneSize: 1 } });
      await pollUntil(async () => ((await drydock.getStatus(first.workflowId)).progress?.counts.running === 3 ? true : undefined), { timeoutMs: 60_000, what: 'the first run to hold its nodes' });
      await pollUntil(async () => ((await drydock.getStatus(first.workflowId)).progress?.nodes.every((n) => n.step !== undefined) ? true : undefined), { timeoutMs: 60_000, what: 'every node workflow to be running' });
      const second = await drydock.startAction('RelabelNodes', { design: slow });
      const result = (await client.workflow.getHandle(second.workflowId).result()) as SiteActionResult;
      expect(result.skipped.map((s) => s.reason)).toEqual([1, 2, 3].map(() => expect.stringContaining(`is already running by ${first.workflowId} (DeployNodes)`) as unknown));
      await client.workflow.getHandle(first.workflowId).result();
    });
  }, 120_000);

  it('pause and resume reach the nodes through their lanes', async () => {
    const ledger = new SimLedger();
    const site = `s${Date.now() % 100000}P`;
    await runWith(ledger, async (client, drydock) => {
      const { workflowId } = await drydock.startDeployment({ design: inline(simSiteDesign({ site, nodes: 4, racks: 2, latencyMs: 300 })), options: { laneSize: 2 } });
      await pollUntil(async () => ((await drydock.getStatus(workflowId)).progress?.nodes.filter((n) => n.step !== undefined).length === 4 ? true : undefined), { timeoutMs: 60_000, what: 'four running nodes' });
      await drydock.pause(workflowId);
      await pollUntil(async () => ((await drydock.getStatus(workflowId)).progress?.nodes.every((n) => n.state === 'paused') ? true : undefined), { timeoutMs: 30_000, what: 'every node paused' });
      const heldAt = ledger.calls.length;
      // Absence cannot be polled for: watch ~4 step latencies and check that nothing ran.
      await new Promise((r) => setTimeout(r, 1200));
      expect(ledger.calls.length).toBe(heldAt);
      await drydock.resume(workflowId);
      const result = (await client.workflow.getHandle(workflowId).result()) as SiteActionResult;
      expect(result.status).toBe('success');
      expect(ledger.count('DeployNode')).toBe(4);
    });
  }, 120_000);

  it('abort cancels the running activities through the lanes and names the nodes that were running', async () => {
    const ledger = new SimLedger();
    const site = `s${Date.now() % 100000}A`;
    await runWith(ledger, async (client, drydock) => {
      // Each step would take 10 minutes: only cancellation can end them (no node driver: no site steps).
      const { workflowId } = await drydock.startDeployment({ design: inline(simSiteDesign({ site, nodes: 4, racks: 2, latencyMs: 600_000, without: ['node'] })), options: { laneSize: 2 } });
      await pollUntil(async () => ((await drydock.getStatus(workflowId)).progress?.nodes.filter((n) => n.step === 'ConfigurePortProvisioning').length === 4 ? true : undefined), { timeoutMs: 60_000, what: 'every node in its first step' });
      expect((await drydock.abort(workflowId)).sort()).toEqual(['node0001', 'node0002', 'node0003', 'node0004']);
      const result = (await client.workflow.getHandle(workflowId).result()) as SiteActionResult;
      expect(ledger.calls.map((c) => `${c.action}:${c.node}:${c.aborted === true}`).sort()).toEqual([1, 2, 3, 4].map((i) => `ConfigurePortProvisioning:node000${i}:true`));
      expect(result.status).toBe('failure');
      expect(result.failures.map((f) => f.message)).toEqual(Array(4).fill('aborted by an operator'));
      const child = await client.workflow.getHandle(nodeWorkflowId(site, 'node0004')).describe();
      expect(child.status.name).toBe('CANCELLED');
    });
  }, 120_000);

  it('confirm reaches a manual OOB step of a lane-held node', async () => {
    const ledger = new SimLedger();
    const site = `s${Date.now() % 100000}M`;
    const text = simSiteDesign({ site, nodes: 2, racks: 1, without: ['node'] }).replace('  host_profile: sim-node\n', '  host_profile: sim-node\n  oob:\n    type: manual\n');
    await runWith(ledger, async (client, drydock) => {
      const { workflowId } = await drydock.startDeployment({ design: inline(text), options: { laneSize: 1 } });
      for (const step of ['SetNodeBoot', 'PowerCycleNode']) {
        await pollUntil(async () => {
          const node = (await drydock.getStatus(workflowId)).progress?.nodes.find((n) => n.node === 'node0001');
          return node?.state === 'awaiting-confirmation' && node.step === step ? node : undefined;
        }, { timeoutMs: 30_000, what: `node0001 to wait for a person at ${step}` });
        await drydock.confirm(workflowId, 'node0001');
      }
      const result = (await client.workflow.getHandle(workflowId).result()) as SiteActionResult;
      expect(result.status).toBe('success');
      expect(result.successes.sort()).toEqual(['node0001', 'node0002']);
    });
  }, 120_000);
});
