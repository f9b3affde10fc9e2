import { Client, WorkflowFailedError } from '@temporalio/client';
import { createActivities } from '../../../activities';
import { DrydockClient } from '../../../src/client';
import { nodeWorkflowId, SiteActionInput, SiteActionResult, SiteProgress } from '../../../src/contracts/deployment';
import { nodeFilterFromSelectors } from '../../../src/design';
import { historyText } from '../../support/history-text';
import { SimLedger } from '../../../src/drivers/sim';
import { simSiteDesign } from '../../../lab/sim-site';
import { pollUntil } from '../../../src/tools/poll';
import { readRunState } from '../../support/run-state';
import { connectClient, uniqueTaskQueue, withWorker } from '../../support/temporal';

// Orchestration on the real dev server, through a real worker, with the `sim` drivers (every
// driver kind selectable in a design as `type: sim`); the real drivers run in the lab tests.
const SECRET = 'sim-bmc-secret-d41d8cd9';
process.env.SIM_BMC_PASSWORD = SECRET;

function inline(text: string): SiteActionInput['design'] {
  return { type: 'inline', sources: [{ name: 'site.yaml', text }] };
}

async function runWith<T>(ledger: SimLedger, fn: (client: Client, drydock: DrydockClient, taskQueue: string) => Promise<T>): Promise<T> {
  const taskQueue = uniqueTaskQueue('orch');
  const forActivities = await connectClient();
  try {
    // Heartbeats reach the server at least every second, so cancellations reach activities fast.
    return await withWorker({ taskQueue, activities: createActivities({ simLedger: ledger, client: forActivities.client }), maxHeartbeatThrottleInterval: '1s', defaultHeartbeatThrottleInterval: '1s' }, async (client) => {
      const state = readRunState();
      const drydock = new DrydockClient(client, { address: state.temporalAddress, namespace: state.namespace, taskQueue });
      return fn(client, drydock, taskQueue);
    });
  } finally {
    await forActivities.close();
  }
}

function maxConcurrent(ledger: SimLedger, action: string, key: (node: string) => string = (n) => n): number {
  const events = ledger.calls.filter((c) => c.action === action && c.node).flatMap((c) => [
    { t: c.start, d: 1, k: key(c.node!) },
    { t: c.end, d: -1, k: key(c.node!) },
  ]);
  events.sort((a, b) => a.t - b.t || a.d - b.d);
  let now = 0;
  let max = 0;
  for (const e of events) {
    now += e.d;
    max = Math.max(max, now);
  }
  return max;
}

describe('site workflows over sim drivers on the real dev server', () => {
  it('DeployNodes runs every step on every node once, in parallel, and reports success', async () => {
    const ledger = new SimLedger();
    const site = `s${Date.now() % 100000}a`;
    const result = await runWith(ledger, async (client, drydock) => {
      const { workflowId } = await drydock.startDeployment({ design: inline(simSiteDesign({ site, nodes: 6, racks: 2, latencyMs: 20 })) });
      const r = (await client.workflow.getHandle(workflowId).result()) as SiteActionResult;
      const history = historyText(await client.workflow.getHandle(nodeWorkflowId(site, 'node0001')).fetchHistory());
      // The decoded history holds the credential's reference, so not finding the value means something.
      expect(history).toContain('env:SIM_BMC_PASSWORD');
      expect(history).not.toContain(SECRET);
      expect(historyText(await client.workflow.getHandle(workflowId).fetchHistory())).not.toContain(SECRET);
      const found = await drydock.list({ node: 'node0004', site });
      expect(found.map((f) => f.workflowId)).toContain(nodeWorkflowId(site, 'node0004'));
      return r;
    });
    expect(result).toMatchObject({ action: 'DeployNodes', site, status: 'success', failures: [], skipped: [] });
    expect(result.successes.sort()).toEqual(['node0001', 'node0002', 'node0003', 'node0004', 'node0005', 'node0006']);
    for (const action of ['SetNodeBoot', 'PowerCycleNode', 'ConfigureHardware', 'ApplyNodeNetworking', 'ApplyNodeStorage', 'ApplyNodePlatform', 'DeployNode', 'ConfigurePortProduction', 'RelabelNode']) {
      expect([action, ledger.count(action)]).toEqual([action, 6]);
    }
    expect(ledger.count('CreateBootMedia')).toBe(1);
    const node = result.nodes.find((n) => n.node === 'node0002')!;
    expect(node.steps.map((s) => `${s.step}:${s.status}`)).toEqual([
      'ConfigurePortProvisioning:succeeded',
      'CheckExists:succeeded',
      'SetNodeBoot:succeeded',
      'PowerCycleNode:succeeded',
      'IdentifyNode:succeeded',
      'ConfigureHardware:succeeded',
      'ApplyNodeNetworking:succeeded',
      'ApplyNodeStorage:succeeded',
      'ApplyNodePlatform:succeeded',
      'DeployNode:succeeded',
      'ConfigurePortProduction:succeeded',
      'RelabelNode:succeeded',
    ]);
    expect(maxConcurrent(ledger, 'DeployNode')).toBeGreaterThan(1);
  });

  it('a failing node never stops the others: partial_success, then retryFailed retries only it', async () => {
    const ledger = new SimLedger();
    const site = `s${Date.now() % 100000}b`;
    await runWith(ledger, async (client, drydock) => {
      const design = inline(simSiteDesign({ site, nodes: 4, racks: 1, latencyMs: 5, failures: [{ node: 'node0003', action: 'DeployNode', times: 1 }] }));
      const { workflowId } = await drydock.startDeployment({ design });
      const status = await drydock.waitForResult(workflowId, { intervalMs: 200 });
      expect(status.progress?.phase).toBe('awaiting-retry');
      expect(status.result).toMatchObject({ status: 'partial_success', failures: [{ node: 'node0003', step: 'DeployNode', message: expect.stringContaining('injected failure of DeployNode') as unknown }] });
      expect(status.result?.successes.sort()).toEqual(['node0001', 'node0002', 'node0004']);
      const described = await client.workflow.getHandle(nodeWorkflowId(site, 'node0003')).describe();
      expect(described.typedSearchAttributes.get({ name: 'DrydockFailureCause', type: 'KEYWORD' })).toBe('DeployNode: InvalidRequest');

      expect(await drydock.retryFailed(workflowId)).toEqual(['node0003']);
      const final = (await client.workflow.getHandle(workflowId).result()) as SiteActionResult;
      expect(final).toMatchObject({ status: 'success', retries: 1, failures: [] });
      expect(final.successes.sort()).toEqual(['node0001', 'node0002', 'node0003', 'node0004']);
      // The retried node did not go through PXE again: the bootstrapper knew it.
      expect(ledger.count('PowerCycleNode', 'node0003')).toBe(1);
      expect(ledger.count('DeployNode', 'node0003')).toBe(2);
      expect(ledger.count('DeployNode', 'node0001')).toBe(1);
      await expect(drydock.retryFailed(workflowId)).rejects.toThrow();
    });
  });

  it('a node the bootstrapper already knows is not power-cycled again (check-exist)', async () => {
    const ledger = new SimLedger();
    const site = `s${Date.now() % 100000}c`;
    await runWith(ledger, async (client, drydock) => {
      const design = inline(simSiteDesign({ site, nodes: 2, racks: 1 }));
      for (let run = 0; run < 2; run++) {
        const { workflowId } = await drydock.startDeployment({ design });
        const result = (await client.workflow.getHandle(workflowId).result()) as SiteActionResult;
        expect(result.status).toBe('success');
        if (run === 1) {
          const steps = result.nodes[0].steps;
          expect(steps.find((s) => s.step === 'PowerCycleNode')).toMatchObject({ status: 'skipped', message: expect.stringContaining('already knows') as unknown });
          expect(steps.find((s) => s.step === 'DeployNode')?.message).toContain('no change');
        }
      }
      expect(ledger.count('PowerCycleNode')).toBe(2);
    });
  });

  it('refuses a second operation on a node in flight and reports it as skipped, naming the holder', async () => {
    const ledger = new SimLedger();
    const site = `s${Date.now() % 100000}d`;
    await runWith(ledger, async (client, drydock) => {
      const slow = inline(simSiteDesign({ site, nodes: 2, racks: 1, latencyMs: 400 }));
      const first = await drydock.startDeployment({ design: slow, filter: nodeFilterFromSelectors({ nodes: ['node0001'] }) });
      await pollUntil(async () => ((await client.workflow.getHandle(first.workflowId).query<SiteProgress>('progress')).counts.running > 0 ? true : undefined), { timeoutMs: 30_000, what: 'the first run to start its node' });
      const second = await drydock.startAction('RelabelNodes', { design: slow });
      const result = (await client.workflow.getHandle(second.workflowId).result()) as SiteActionResult;
      expect(result.status).toBe('partial_success'); // a skipped node is not done: never success (issue 17)
      expect(result.successes).toEqual(['node0002']);
      expect(result.skipped).toEqual([{ node: 'node0001', reason: expect.stringMatching(new RegExp(`node busy: node:${site}:node0001 is already running by ${first.workflowId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(DeployNodes\\)`)) as unknown }]);
      await client.workflow.getHandle(first.workflowId).result();
    });
  });

  it('bad input ends the workflow at once with a non-retryable failure: invalid design, empty filter, unknown node', async () => {
    const ledger = new SimLedger();
    const site = `s${Date.now() % 100000}e`;
    await runWith(ledger, async (client, drydock) => {
      const broken = inline(simSiteDesign({ site, nodes: 1 }).replace('cidr: 10.1.0.0/16', 'cidr: 10.1.0.1/16'));
      const cases: Array<[SiteActionInput['design'], ReturnType<typeof nodeFilterFromSelectors>, string, RegExp]> = [
        [broken, undefined, 'DesignInvalid', /the design has 1 error\(s\); nothing was done:[\s\S]*cidr-validity/],
        [inline(simSiteDesign({ site, nodes: 1 })), nodeFilterFromSelectors({ racks: ['nowhere'] }), 'NoNodesSelected', /the node filter selects no node of site/],
        [inline(simSiteDesign({ site, nodes: 1 })), nodeFilterFromSelectors({ nodes: ['ghost'] }), 'UnknownNode', /the design has no node "ghost"/],
      ];
      for (const [design, filter, type, message] of cases) {
        const { workflowId } = await drydock.startDeployment({ design, filter });
        const err = await client.workflow.getHandle(workflowId).result().then(() => undefined, (e: unknown) => e);
        expect(err).toBeInstanceOf(WorkflowFailedError);
        const cause = (err as WorkflowFailedError).cause?.cause as { type?: string; message: string };
        expect(cause.type).toBe(type);
        expect(cause.message).toMatch(message);
        const history = await client.workflow.getHandle(workflowId).fetchHistory();
        // Ended at once: no workflow task was retried.
        expect((history.events ?? []).filter((e) => e.workflowTaskFailedEventAttributes).length).toBe(0);
      }
      expect(ledger.calls).toEqual([]);
    });
  });

  it('keeps within the site-wide and per-rack limits', async () => {
    const ledger = new SimLedger();
    const site = `s${Date.now() % 100000}f`;
    const result = await runWith(ledger, async (client, drydock) => {
      const { workflowId } = await drydock.startDeployment({ design: inline(simSiteDesign({ site, nodes: 8, racks: 2, latencyMs: 15 })), options: { maxParallelNodes: 3, maxParallelPerRack: 1 } });
      return (await client.workflow.getHandle(workflowId).result()) as SiteActionResult;
    });
    expect(result.status).toBe('success');
    const nodeSpans = new Map<string, { start: number; end: number; rack: string }>();
    for (const c of ledger.calls.filter((x) => x.node)) {
      const span = nodeSpans.get(c.node!) ?? { start: c.start, end: c.end, rack: result.nodes.find((n) => n.node === c.node)!.rack! };
      span.start = Math.min(span.start, c.start);
      span.end = Math.max(span.end, c.end);
      nodeSpans.set(c.node!, span);
    }
    const overlapMax = (spans: Array<{ start: number; end: number }>): number => {
      let max = 0;
      for (const s of spans) max = Math.max(max, spans.filter((o) => o.start < s.end && s.start < o.end).length);
      return max;
    };
    const spans = [...nodeSpans.values()];
    expect(overlapMax(spans)).toBeLessThanOrEqual(2); // per-rack 1 with 2 racks binds before 3
    for (const rack of ['rack01', 'rack02']) expect(overlapMax(spans.filter((s) => s.rack === rack))).toBe(1);
  });

  it('continues as new when its history grows, carrying results, and finishes every node', async () => {
    const ledger = new SimLedger();
    const site = `s${Date.now() % 100000}g`;
    await runWith(ledger, async (client, drydock) => {
      const { workflowId } = await drydock.startAction('RelabelNodes', { design: inline(simSiteDesign({ site, nodes: 12, racks: 2 })), options: { maxParallelNodes: 2, historyEventLimit: 60 } });
      const handle = client.workflow.getHandle(workflowId);
      const result = (await handle.result()) as SiteActionResult;
      expect(result.status).toBe('success');
      expect(result.successes).toHaveLength(12);
      const runs: string[] = [];
      for await (const info of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(info.runId);
      expect(runs.length).toBeGreaterThan(1);
    });
    expect(ledger.count('RelabelNode')).toBe(12);
  });

  it('pause holds new steps and resume continues them', async () => {
    const ledger = new SimLedger();
    const site = `s${Date.now() % 100000}h`;
    await runWith(ledger, async (client, drydock) => {
      const { workflowId } = await drydock.startDeployment({ design: inline(simSiteDesign({ site, nodes: 3, racks: 1, latencyMs: 1000 })) });
      const handle = client.workflow.getHandle(workflowId);
      await pollUntil(async () => ((await handle.query<SiteProgress>('progress')).counts.running === 3 ? true : undefined), { timeoutMs: 30_000, what: 'three running nodes' });
      await drydock.pause(workflowId);
      const pausedAt = ledger.calls.length;
      // Every node holds before its next step (or, on a machine loaded enough, had finished its
      // last one when the pause reached it): at least one held, none running a step.
      let seen = '';
      await pollUntil(async () => {
        const s = await drydock.getStatus(workflowId);
        const nodes = [...(s.progress?.nodes ?? []), ...(s.nodePage?.nodes ?? [])];
        seen = JSON.stringify(nodes.map((n) => `${n.node}:${n.state}:${n.step ?? ''}`));
        return nodes.some((n) => n.state === 'paused') && nodes.every((n) => n.state === 'paused' || n.state === 'succeeded') ? true : undefined;
      }, { timeoutMs: 60_000, what: 'every node paused' }).catch((err: Error) => {
        throw new Error(`${err.message}; last seen: ${seen}`);
      });
      const heldAt = ledger.calls.length;
      // Absence cannot be polled for: watch more than two step latencies and check that nothing
      // ran. (Steps of 1 s: with shorter ones, a loaded machine let a node finish its last step
      // before the pause reached it, and it could never show as paused.)
      await new Promise((r) => setTimeout(r, 2500));
      expect(ledger.calls.length).toBe(heldAt);
      expect(heldAt - pausedAt).toBeLessThanOrEqual(3); // at most the steps that were running
      await drydock.resume(workflowId);
      const result = (await handle.result()) as SiteActionResult;
      expect(result.status).toBe('success');
      expect(ledger.count('DeployNode')).toBe(3);
    });
  });

  it('abort cancels the running activities, which stop before the run ends', async () => {
    const ledger = new SimLedger();
    const site = `s${Date.now() % 100000}i`;
    await runWith(ledger, async (client, drydock) => {
      // Each step would take 10 minutes: only cancellation can end them. (No node driver, so no
      // site-level steps run first.)
      const { workflowId } = await drydock.startDeployment({ design: inline(simSiteDesign({ site, nodes: 3, racks: 1, latencyMs: 600_000, without: ['node'] })) });
      const handle = client.workflow.getHandle(workflowId);
      await pollUntil(async () => ((await handle.query<SiteProgress>('progress')).counts.running === 3 ? true : undefined), { timeoutMs: 30_000, what: 'three running nodes' });
      await pollUntil(async () => {
        const s = await drydock.getStatus(workflowId);
        return s.progress?.nodes.every((n) => n.step === 'ConfigurePortProvisioning') ? true : undefined;
      }, { timeoutMs: 30_000, what: 'every node in its first step' });
      const running = await drydock.abort(workflowId);
      expect(running.sort()).toEqual(['node0001', 'node0002', 'node0003']);
      const result = (await handle.result()) as SiteActionResult;
      // The three running activities were cancelled, and had stopped, before the run ended.
      expect(ledger.calls.map((c) => `${c.action}:${c.node}:${c.aborted === true}`).sort()).toEqual([
        'ConfigurePortProvisioning:node0001:true',
        'ConfigurePortProvisioning:node0002:true',
        'ConfigurePortProvisioning:node0003:true',
      ]);
      expect(result.status).toBe('failure');
      expect(result.message).toContain('aborted');
      expect(result.failures.map((f) => f.message)).toEqual(['aborted by an operator', 'aborted by an operator', 'aborted by an operator']);
      const child = await client.workflow.getHandle(nodeWorkflowId(site, 'node0001')).describe();
      expect(child.status.name).toBe('CANCELLED');
      expect(child.typedSearchAttributes.get({ name: 'DrydockResult', type: 'KEYWORD' })).toBe('aborted');
    });
  }, 120_000);

  it('the manual OOB driver waits for a person: the node pauses at each manual step until `confirm`', async () => {
    const ledger = new SimLedger();
    const site = `s${Date.now() % 100000}m`;
    // node0001's BMC is handled by hand; no node driver, so nothing waits for enlistment.
    const text = simSiteDesign({ site, nodes: 1, racks: 1, without: ['node'] }).replace('  host_profile: sim-node\n', '  host_profile: sim-node\n  oob:\n    type: manual\n');
    await runWith(ledger, async (client, drydock) => {
      const { workflowId } = await drydock.startDeployment({ design: inline(text) });
      for (const step of ['SetNodeBoot', 'PowerCycleNode']) {
        const waiting = await pollUntil(async () => {
          const node = (await drydock.getStatus(workflowId)).progress?.nodes[0];
          return node?.state === 'awaiting-confirmation' && node.step === step ? node : undefined;
        }, { timeoutMs: 30_000, what: `node0001 to wait for a person at ${step}` });
        expect(waiting.confirmationPrompt).toContain(`drydock confirm`);
        expect(waiting.confirmationPrompt).toContain('node0001');
        await drydock.confirm(workflowId, 'node0001');
      }
      const result = (await client.workflow.getHandle(workflowId).result()) as SiteActionResult;
      expect(result.status).toBe('success');
      const steps = result.nodes[0].steps.filter((s) => s.step === 'SetNodeBoot' || s.step === 'PowerCycleNode');
      expect(steps.map((s) => [s.step, s.status, s.message.endsWith('confirmed by an operator')])).toEqual([
        ['SetNodeBoot', 'succeeded', true],
        ['PowerCycleNode', 'succeeded', true],
      ]);
    });
  });
});
