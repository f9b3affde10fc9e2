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
        const ranBy = new Map<string, Set<string>>();
        const history = await node.fetchHistory();
        const scheduled = new Map<string, string>();
        for (const e of history.events ?? []) {
          if (e.activityTaskScheduledEventAttributes) scheduled.set(String(e.eventId), `${e.activityTaskScheduledEventAttributes.activityType?.name}@${e.activityTaskScheduledEventAttributes.taskQueue?.name}`);
          if (e.activityTaskStartedEventAttributes) {
            const what = scheduled.get(String(e.activityTaskStartedEventAttributes.scheduledEventId)) ?? '?';
            const set = ranBy.get(e.activityTaskStartedEventAttributes.identity ?? '') ?? new Set<string>();
            set.add(what);
            ranBy.set(e.activityTaskStartedEventAttributes.identity ?? '', set);
          }
        }
        const segmentQueue = segmentTaskQueue(taskQueue, 'pxe');
        expect([...(ranBy.get('segment-worker') ?? [])].sort()).toEqual(
          ['configurePortProduction', 'configurePortProvisioning', 'powerCycleNode', 'setNodeBoot'].map((a) => `${a}@${segmentQueue}`),
        );
        expect([...(ranBy.get('general-worker') ?? [])].every((a) => a.endsWith(`@${taskQueue}`) && !/Port|power|NodeBoot/.test(a))).toBe(true);
        process.stdout.write(`segment wait shown after ${shownAfterMs} ms (wait 2 s)\n`);
      });
    } finally {
      await forActivities.close();
    }
  }, 120_000);
});
