import type { Duration } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import { createActivities } from '../../../activities';
import { bootActionReportSignal, type BootActionRef } from '../../../src/contracts/bootactions';
import { nodeProgressQuery } from '../../../src/contracts/control';
import { nodeWorkflowId, type NodeResult, type NodeWorkflowInput } from '../../../src/contracts/deployment';
import { processDesign } from '../../../src/design';
import { SimLedger } from '../../../src/drivers/sim';
import { simSiteDesign } from '../../../lab/sim-site';
import { pollUntil } from '../../../src/tools/poll';
import { renderStatus } from '../../../src/cli/render';
import { connectClient, uniqueTaskQueue, withWorker } from '../../support/temporal';

// The node workflow's wait for signalling boot actions (issue 16), on the real dev server with
// the sim drivers; DeployNode's result names the prepared actions as the MAAS driver's does.
process.env.SIM_BMC_PASSWORD = 'sim-bmc-secret-wait';

const ACTIONS: BootActionRef[] = [
  { actionId: '01JBA0000000000000000HELLO', name: 'hello', signaling: true },
  { actionId: '01JBA0000000000000000JOIN0', name: 'join', signaling: true },
  { actionId: '01JBA0000000000000000QUIET', name: 'quiet', signaling: false },
];

async function runNode(site: string, opts: { timeout?: Duration; withActions?: boolean }, drive: (client: Client, workflowId: string) => Promise<void>): Promise<NodeResult> {
  const ledger = new SimLedger();
  const processed = processDesign([{ name: 'site.yaml', text: simSiteDesign({ site, nodes: 1, racks: 1, latencyMs: 5 }) }]);
  const { nodes, ...siteContext } = processed.site!;
  const taskQueue = uniqueTaskQueue('bawait');
  const forActivities = await connectClient();
  const acts = createActivities({ simLedger: ledger, client: forActivities.client });
  const activities = { ...acts, deployNode: async (i: Parameters<typeof acts.deployNode>[0]) => ({ ...(await acts.deployNode(i)), ...(opts.withActions === false ? {} : { bootActions: ACTIONS }) }) };
  try {
    return await withWorker({ taskQueue, activities }, async (client) => {
      const workflowId = nodeWorkflowId(site, nodes[0].name);
      const input: NodeWorkflowInput = { action: 'DeployNodes', node: nodes[0], site: siteContext, designHash: 'x', parentWorkflowId: `site:${site}`, ...(opts.timeout ? { bootActionTimeout: opts.timeout } : {}) };
      const handle = await client.workflow.start('nodeWorkflow', { workflowId, taskQueue, args: [input] });
      await drive(client, workflowId);
      return (await handle.result()) as NodeResult;
    });
  } finally {
    await forActivities.close();
  }
}

const report = (actionId: string, name: string, status?: 'success' | 'failure', message = 'ran') => ({ actionId, actionName: name, node: 'node0001', ...(status ? { status } : {}), details: [{ message, error: status === 'failure' }], at: new Date().toISOString() });

describe('the node workflow waits for its signalling boot actions after DeployNode', () => {
  it('succeeds once every signalling action reported Success, with the reports in its progress', async () => {
    const result = await runNode(`ba${Date.now() % 100000}s`, {}, async (client, id) => {
      const h = client.workflow.getHandle(id);
      // A report that arrives before DeployNode returned is kept (the node may be fast).
      await h.signal(bootActionReportSignal, report(ACTIONS[0].actionId, 'hello', undefined, 'unit installed'));
      await pollUntil(async () => ((await h.query(nodeProgressQuery)).bootActions ? true : undefined), { timeoutMs: 60_000, intervalMs: 200, what: 'the prepared boot actions in the progress' });
      await h.signal(bootActionReportSignal, report(ACTIONS[0].actionId, 'hello', 'success', 'hello ran'));
      await h.signal(bootActionReportSignal, report('01JBA00000000000000000LD00', 'join', 'failure', 'an old deployment')); // not this run's id
      const p = await h.query(nodeProgressQuery);
      expect(p.state).toBe('running');
      expect(p.bootActions).toEqual([
        { actionId: ACTIONS[0].actionId, name: 'hello', signaling: true, status: 'success', reports: 2, lastMessage: 'hello ran', lastReportAt: expect.any(String) as string },
        { actionId: ACTIONS[1].actionId, name: 'join', signaling: true, status: 'pending', reports: 0 },
        { actionId: ACTIONS[2].actionId, name: 'quiet', signaling: false, status: 'pending', reports: 0 },
      ]);
      // What `drydock status` prints for it.
      const shown = renderStatus({ workflowId: 'site:x', action: 'DeployNodes', execution: 'RUNNING', progress: { action: 'DeployNodes', phase: 'nodes', paused: false, siteSteps: [], nodes: [p], counts: { total: 1, pending: 0, running: 1, succeeded: 0, failed: 0, skipped: 0 } } });
      expect(shown).toContain('node0001 boot action hello: success (2 reports) — hello ran');
      expect(shown).toContain('node0001 boot action join: pending (0 reports)');
      await h.signal(bootActionReportSignal, report(ACTIONS[1].actionId, 'join', 'success', 'joined'));
    });
    expect(result.outcome).toBe('success');
    expect(result.steps.find((s) => s.step === 'DeployNode')?.message).toMatch(/boot actions reported Success: hello, join/);
  }, 120_000);

  it('fails the node on a Failure report, naming the action and its last message', async () => {
    const result = await runNode(`ba${Date.now() % 100000}f`, {}, async (client, id) => {
      const h = client.workflow.getHandle(id);
      await pollUntil(async () => ((await h.query(nodeProgressQuery)).bootActions ? true : undefined), { timeoutMs: 60_000, intervalMs: 200, what: 'the prepared boot actions in the progress' });
      await h.signal(bootActionReportSignal, report(ACTIONS[1].actionId, 'join', 'failure', 'kubeadm join: connection refused'));
    });
    expect(result).toMatchObject({ outcome: 'failure', failedStep: 'DeployNode', message: 'DeployNode failed: boot action join reported Failure: kubeadm join: connection refused' });
  }, 120_000);

  it('fails the node when an action does not report within the run timeout', async () => {
    const result = await runNode(`ba${Date.now() % 100000}t`, { timeout: '2s' }, async (client, id) => {
      const h = client.workflow.getHandle(id);
      await pollUntil(async () => ((await h.query(nodeProgressQuery)).bootActions ? true : undefined), { timeoutMs: 60_000, intervalMs: 200, what: 'the prepared boot actions in the progress' });
      await h.signal(bootActionReportSignal, report(ACTIONS[0].actionId, 'hello', 'success'));
      await h.signal(bootActionReportSignal, report(ACTIONS[1].actionId, 'join', undefined, 'waiting for the API server'));
    });
    expect(result).toMatchObject({ outcome: 'failure', failedStep: 'DeployNode' });
    expect(result.message).toBe('DeployNode failed: boot action join did not report a final status within 2 s (last message: waiting for the API server)');
  }, 120_000);

  it('does not wait when DeployNode prepared no boot actions', async () => {
    const result = await runNode(`ba${Date.now() % 100000}n`, { withActions: false }, async () => undefined);
    expect(result.outcome).toBe('success');
  }, 120_000);
});
