import type { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../../activities';
import { DrydockClient } from '../../../src/client';
import { nodeProgressQuery } from '../../../src/contracts/control';
import { nodeWorkflowId, type NodeProgress, type SiteActionResult } from '../../../src/contracts/deployment';
import { segmentTaskQueue, waitingForSegmentMessage } from '../../../src/contracts/segments';
import { SimLedger } from '../../../src/drivers/sim';
import { simSiteDesign } from '../../../lab/sim-site';
import { pollUntil } from '../../../src/tools/poll';
import { readRunState } from '../../support/run-state';
import { connectClient, uniqueTaskQueue, withWorker } from '../../support/temporal';

// Segment queues over the sim drivers, with real workers on the real dev server: OOB and
// switch activities go to `<taskQueue>@<oob.network>` (the sim site's nodes are on `pxe`).
process.env.SIM_BMC_PASSWORD = 'sim-segment-secret';

/** `activity@taskQueue` of every activity a node workflow ran, per worker identity. */
async function activitiesByWorker(client: Client, workflowId: string): Promise<Map<string, Set<string>>> {
  const ranBy = new Map<string, Set<string>>();
  const scheduled = new Map<string, string>();
  for (const e of (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? []) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s) scheduled.set(String(e.eventId), `${s.activityType?.name}@${s.taskQueue?.name}`);
    const started = e.activityTaskStartedEventAttributes;
    if (started) {
      const set = ranBy.get(started.identity ?? '') ?? new Set<string>();
      set.add(scheduled.get(String(started.scheduledEventId)) ?? '?');
      ranBy.set(started.identity ?? '', set);
    }
  }
  return ranBy;
}

const SEGMENT_ACTIVITIES = ['configurePortProduction', 'configurePortProvisioning', 'powerCycleNode', 'setNodeBoot'];

describe('segment queues', () => {
  it('a node whose segment has no worker says so within the wait, and completes once a segment worker comes', async () => {
    const taskQueue = uniqueTaskQueue('seg');
    const site = `seg${Date.now() % 100000}`;
    const ledger = new SimLedger();
    const forActivities = await connectClient();
    const state = readRunState();
    try {
      await withWorker({ taskQueue, identity: 'general-worker', activities: createActivities({ simLedger: ledger, client: forActivities.client }) }, async (client) => {
        const drydock = new DrydockClient(client, { address: state.temporalAddress, namespace: state.namespace, taskQueue });
        const { workflowId } = await drydock.startDeployment({
          design: { type: 'inline', sources: [{ name: 'site.yaml', text: simSiteDesign({ site, nodes: 2, racks: 1, latencyMs: 10 }) }] },
          options: { segmentQueues: true, segmentWaitTimeout: '2 seconds' },
        });
        const node = client.workflow.getHandle(nodeWorkflowId(site, 'node0001'));
        const started = Date.now();
        const waiting = await pollUntil(
          async () => {
            const p = await node.query(nodeProgressQuery).catch(() => undefined);
            return p?.waiting ? p : undefined;
          },
          { timeoutMs: 60_000, intervalMs: 250, what: 'the node to say it waits for a segment worker' },
        );
        const shownAfterMs = Date.now() - started;
        expect(waiting.waiting).toBe(waitingForSegmentMessage('pxe'));
        expect(waiting.step).toBe('ConfigurePortProvisioning');
        expect(waiting.state).toBe('running');
        // Waiting on: a second schedule timed out too, and the node has not failed.
        await pollUntil(
          async () => ((await node.fetchHistory()).events ?? []).filter((e) => e.activityTaskTimedOutEventAttributes).length >= 2 || undefined,
          { timeoutMs: 30_000, intervalMs: 500, what: 'a second schedule-to-start timeout' },
        );
        const later: NodeProgress = await node.query(nodeProgressQuery);
        expect(later.steps.filter((s) => s.status === 'failed')).toEqual([]);
        expect(later.waiting).toBe(waitingForSegmentMessage('pxe'));

        const connection = await NativeConnection.connect({ address: state.temporalAddress });
        try {
          const segmentWorker = await Worker.create({
            connection,
            namespace: state.namespace,
            taskQueue: segmentTaskQueue(taskQueue, 'pxe'),
            identity: 'segment-worker',
            activities: createActivities({ simLedger: ledger, client: forActivities.client }),
          });
          const result = (await segmentWorker.runUntil(client.workflow.getHandle(workflowId).result())) as SiteActionResult;
          expect(result.status).toBe('success');
        } finally {
          await connection.close();
        }
        // Which worker ran what: OOB and switch activities on the segment worker, the others on the general one.
        const ranBy = await activitiesByWorker(client, nodeWorkflowId(site, 'node0001'));
        const segmentQueue = segmentTaskQueue(taskQueue, 'pxe');
        expect([...(ranBy.get('segment-worker') ?? [])].sort()).toEqual(
          SEGMENT_ACTIVITIES.map((a) => `${a}@${segmentQueue}`),
        );
        expect([...(ranBy.get('general-worker') ?? [])].every((a) => a.endsWith(`@${taskQueue}`) && !/Port|power|NodeBoot/.test(a))).toBe(true);
        process.stdout.write(`segment wait shown after ${shownAfterMs} ms (wait 2 s)\n`);
      });
    } finally {
      await forActivities.close();
    }
  }, 120_000);

  it('two segment-only workers on separate segments each run the OOB and switch work of their own nodes', async () => {
    const taskQueue = uniqueTaskQueue('seg2');
    const site = `sg${Date.now() % 100000}`;
    const ledger = new SimLedger();
    const forActivities = await connectClient();
    const state = readRunState();
    // Rack 1's BMCs on the pxe network, rack 2's on mgmt: two segments.
    const text = simSiteDesign({ site, nodes: 4, racks: 2, latencyMs: 10 })
      .split('---\n')
      .map((doc) => (doc.includes('schema: drydock/BaremetalNode/v1') && doc.includes('rack: rack02') ? doc.replace('  host_profile: sim-node\n', '  host_profile: sim-node\n  oob:\n    network: mgmt\n') : doc))
      .join('---\n');
    const connection = await NativeConnection.connect({ address: state.temporalAddress });
    try {
      const segmentWorkers = await Promise.all(
        ['pxe', 'mgmt'].map((segment) =>
          Worker.create({ connection, namespace: state.namespace, taskQueue: segmentTaskQueue(taskQueue, segment), identity: `worker-${segment}`, activities: createActivities({ simLedger: ledger, client: forActivities.client }) }),
        ),
      );
      await withWorker({ taskQueue, identity: 'general-worker', activities: createActivities({ simLedger: ledger, client: forActivities.client }) }, async (client) => {
        const drydock = new DrydockClient(client, { address: state.temporalAddress, namespace: state.namespace, taskQueue });
        const { workflowId } = await drydock.startDeployment({ design: { type: 'inline', sources: [{ name: 'site.yaml', text }] }, options: { segmentQueues: true } });
        const run = client.workflow.getHandle(workflowId).result() as Promise<SiteActionResult>;
        const result = await segmentWorkers[0].runUntil(segmentWorkers[1].runUntil(run));
        expect(result.status).toBe('success');
        const nodes = [...result.successes].sort();
        expect(nodes).toHaveLength(4);
        for (const node of nodes) {
          const ranBy = await activitiesByWorker(client, nodeWorkflowId(site, node));
          const segment = ranBy.has('worker-mgmt') ? 'mgmt' : 'pxe';
          expect([...(ranBy.get(`worker-${segment}`) ?? [])].sort()).toEqual(SEGMENT_ACTIVITIES.map((a) => `${a}@${segmentTaskQueue(taskQueue, segment)}`));
          expect(ranBy.has(`worker-${segment === 'mgmt' ? 'pxe' : 'mgmt'}`)).toBe(false);
        }
        // Both segments had nodes: rack 2's on mgmt, rack 1's on pxe.
        const segments = await Promise.all(nodes.map(async (n) => ((await activitiesByWorker(client, nodeWorkflowId(site, n))).has('worker-mgmt') ? 'mgmt' : 'pxe')));
        expect([...new Set(segments)].sort()).toEqual(['mgmt', 'pxe']);
      });
    } finally {
      await connection.close();
      await forActivities.close();
    }
  }, 120_000);
});
