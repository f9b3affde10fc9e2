import type { Client } from '@temporalio/client';
import { createActivities } from '../../activities';
import { laneWorkflowId, nodeWorkflowId } from '../../src/contracts/deployment';
import { bmcLockWorkflowId } from '../../src/contracts/segments';
import { STACK_CHECK_WORKFLOW } from '../../src/contracts/stack-check';
import { SimLedger } from '../../src/drivers/sim';
import { simSiteDesign } from '../../lab/sim-site';

/**
 * Workflow runs whose histories are kept under test/histories/ and replayed by the suite, so
 * that a non-deterministic change to workflow code fails CI. `npm run record-histories`
 * re-records them after an intended, versioned change.
 */
export interface HistoryScenario {
  name: string;
  /** The client is for activities that call Temporal (the BMC lock's signal-with-start). */
  activities: (client: Client) => object;
  /** Segment queues (`<taskQueue>@<segment>`) the recorder serves too, with the same activities. */
  segments?: string[];
  /** Runs the scenario; returns the ids of the workflows whose histories to keep, by file name. */
  run: (client: Client, taskQueue: string, workflowId: string) => Promise<Record<string, string>>;
}

const SIM_SITE = 'history';

export const HISTORY_SCENARIOS: HistoryScenario[] = [
  {
    name: 'stack-check',
    activities: () => createActivities(),
    async run(client, taskQueue, workflowId) {
      await client.workflow.execute(STACK_CHECK_WORKFLOW, { taskQueue, workflowId, args: [{ requestedBy: 'history-recorder' }] });
      return { 'stack-check': workflowId };
    },
  },
  {
    // A deployment over sim drivers with one failing node: the site workflow (site steps, the
    // node pool, partial_success) and a node workflow (every step), as the worker records them.
    name: 'deploy-nodes-sim',
    activities: () => {
      process.env.SIM_BMC_PASSWORD ??= 'history-recorder';
      return createActivities({ simLedger: new SimLedger() });
    },
    async run(client, taskQueue, workflowId) {
      const text = simSiteDesign({ site: SIM_SITE, nodes: 3, racks: 2, latencyMs: 1, failures: [{ node: 'node0002', action: 'ApplyNodeStorage' }] });
      await client.workflow.execute('DeployNodes', {
        taskQueue,
        workflowId,
        args: [{ design: { type: 'inline', sources: [{ name: 'site.yaml', text }] }, options: { retryWindow: 0, maxParallelNodes: 2 } }],
      });
      return { 'deploy-nodes-sim': workflowId, 'node-workflow-sim': nodeWorkflowId(SIM_SITE, 'node0001') };
    },
  },
  {
    // The tree of large runs (the lane size lowered to 2): the site workflow parenting two lane
    // workflows, a lane parenting its node workflows, and a node workflow that upserts its
    // DrydockPhase per phase (the `node-phase-upserts` patch), with one failing node.
    name: 'deploy-nodes-lanes',
    activities: () => {
      process.env.SIM_BMC_PASSWORD ??= 'history-recorder';
      return createActivities({ simLedger: new SimLedger() });
    },
    async run(client, taskQueue, workflowId) {
      const site = `${SIM_SITE}-lanes`;
      const text = simSiteDesign({ site, nodes: 4, racks: 2, latencyMs: 1, failures: [{ node: 'node0003', action: 'ApplyNodeStorage' }] });
      await client.workflow.execute('DeployNodes', {
        taskQueue,
        workflowId,
        args: [{ design: { type: 'inline', sources: [{ name: 'site.yaml', text }] }, options: { retryWindow: 0, maxParallelNodes: 2, laneSize: 2 } }],
      });
      return { 'deploy-nodes-lanes': workflowId, 'lane-workflow-sim': laneWorkflowId(workflowId, '0.0', 1), 'node-workflow-phases': nodeWorkflowId(site, 'node0003') };
    },
  },
  {
    // Segment queues and the BMC lock (the `segment-queues` and `bmc-lock` patches): two nodes
    // behind one BMC endpoint, their OOB and switch work on the `pxe` segment's queue, and the
    // lock workflow that granted their turns.
    name: 'deploy-nodes-segments',
    segments: ['pxe'],
    activities: (client) => {
      process.env.SIM_BMC_PASSWORD ??= 'history-recorder';
      return createActivities({ simLedger: new SimLedger(), client });
    },
    async run(client, taskQueue, workflowId) {
      const site = `${SIM_SITE}-segments`;
      const text = simSiteDesign({ site, nodes: 2, racks: 1, latencyMs: 1, oobAddress: '10.77.0.1' });
      await client.workflow.execute('DeployNodes', {
        taskQueue,
        workflowId,
        args: [{ design: { type: 'inline', sources: [{ name: 'site.yaml', text }] }, options: { retryWindow: 0, segmentQueues: true } }],
      });
      return { 'deploy-nodes-segments': workflowId, 'node-workflow-segments': nodeWorkflowId(site, 'node0001'), 'bmc-lock-workflow': bmcLockWorkflowId('10.77.0.1', taskQueue) };
    },
  },
];
