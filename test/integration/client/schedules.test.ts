import { Client } from '@temporalio/client';
import { createActivities } from '../../../activities';
import { DrydockClient } from '../../../src/client';
import { calendarToCron, createSchedule, deleteSchedule, describeSchedule, triggerSchedule } from '../../../src/client/schedules';
import { SiteActionResult, SiteProgress } from '../../../src/contracts/deployment';
import { nodeFilterFromSelectors } from '../../../src/design';
import { SimLedger } from '../../../src/drivers/sim';
import { simSiteDesign } from '../../../lab/sim-site';
import { pollUntil } from '../../../src/tools/poll';
import { readRunState } from '../../support/run-state';
import { connectClient, uniqueTaskQueue, withWorker } from '../../support/temporal';
import { connectTemporal } from '../../../src/config/open-connection';

// Temporal Schedules on the real dev server, with sim drivers.
process.env.SIM_BMC_PASSWORD ??= 'sim-secret';

function inline(text: string) {
  return { type: 'inline' as const, sources: [{ name: 'site.yaml', text }] };
}

async function scheduledRun(client: Client, scheduleId: string): Promise<string> {
  return pollUntil(
    async () => {
      const d = await client.schedule.getHandle(scheduleId).describe();
      return d.info.recentActions[0]?.action.workflow.workflowId;
    },
    { timeoutMs: 60_000, what: `a run of schedule ${scheduleId}` },
  );
}

describe('scheduled re-provisioning (Temporal Schedules, sim drivers)', () => {
  const state = readRunState();

  async function withDrydock<T>(fn: (drydock: DrydockClient, client: Client) => Promise<T>): Promise<T> {
    const taskQueue = uniqueTaskQueue('sched');
    const forActivities = await connectClient();
    try {
      return await withWorker({ taskQueue, activities: createActivities({ simLedger: new SimLedger(), client: forActivities.client }) }, (client) =>
        fn(new DrydockClient(client, { address: state.temporalAddress, namespace: state.namespace, taskQueue }), client),
      );
    } finally {
      await forActivities.close();
    }
  }

  it('a scheduled run skips (not fails) a node that a manual deployment holds, naming the holder', async () => {
    const site = `sch${Date.now() % 100000}`;
    await withDrydock(async (drydock, client) => {
      const slow = inline(simSiteDesign({ site, nodes: 2, racks: 1, latencyMs: 300 }));
      const manual = await drydock.startDeployment({ design: slow, filter: nodeFilterFromSelectors({ nodes: ['node0001'] }) });
      await pollUntil(async () => ((await client.workflow.getHandle(manual.workflowId).query<SiteProgress>('progress')).counts.running > 0 ? true : undefined), { timeoutMs: 30_000, what: 'the manual run to hold node0001' });

      const scheduleId = `${site}-nightly`;
      await createSchedule(drydock, { scheduleId, action: 'RelabelNodes', design: slow, spec: { cron: ['0 3 * * *'] } });
      try {
        const d = await describeSchedule(drydock, scheduleId);
        expect(d.policies).toMatchObject({ overlap: 'SKIP', pauseOnFailure: true });
        expect(d.state.note).toContain('cron 0 3 * * *');
        await triggerSchedule(drydock, scheduleId);
        const runId = await scheduledRun(client, scheduleId);
        const result = (await client.workflow.getHandle(runId).result()) as SiteActionResult;
        expect(result.status).toBe('partial_success'); // a skipped node is not done: never success (issue 17)
        expect(result.successes).toEqual(['node0002']);
        expect(result.failures).toEqual([]);
        expect(result.skipped).toEqual([{ node: 'node0001', reason: expect.stringContaining(`node busy: node:${site}:node0001 is already running by ${manual.workflowId}`) as unknown }]);
      } finally {
        await deleteSchedule(drydock, scheduleId);
      }
      expect(((await client.workflow.getHandle(manual.workflowId).result()) as SiteActionResult).status).toBe('success');
    });
  });

  it('describe gives back the cron expressions as written, whatever ranges the server stores them as', async () => {
    const site = `schc${Date.now() % 100000}`;
    const crons = ['0 3 * * *', '*/15 1-5 * * 1-5', '30 2 1,15 * *', '0 4 * 1-3,10 0', '0 0 29 2 *'];
    await withDrydock(async (drydock) => {
      const scheduleId = `${site}-crons`;
      await createSchedule(drydock, { scheduleId, design: inline(simSiteDesign({ site, nodes: 1, racks: 1 })), spec: { cron: crons, timezone: 'Europe/Berlin' }, paused: true });
      try {
        const d = await describeSchedule(drydock, scheduleId);
        expect((d.spec.calendars ?? []).map(calendarToCron)).toEqual(crons);
        expect(d.spec.timezone).toBe('Europe/Berlin');
      } finally {
        await deleteSchedule(drydock, scheduleId);
      }
    });
  });

  it('a failed scheduled run fails as a workflow, so the schedule pauses itself (pause-on-failure)', async () => {
    const site = `schf${Date.now() % 100000}`;
    await withDrydock(async (drydock, client) => {
      const failing = inline(simSiteDesign({ site, nodes: 1, racks: 1, failures: [{ node: 'node0001', action: 'ApplyNodeStorage' }] }));
      const scheduleId = `${site}-failing`;
      // Every 5 s: the scheduler takes the first run by its spec, sees it fail, and pauses
      // instead of taking the next.
      await createSchedule(drydock, { scheduleId, design: failing, spec: { every: '5s' } });
      try {
        expect((await describeSchedule(drydock, scheduleId)).policies.pauseOnFailure).toBe(true);
        const runId = await scheduledRun(client, scheduleId);
        const failure = await client.workflow.getHandle(runId).result().then(
          () => undefined,
          (err: Error & { cause?: { type?: string; message?: string } }) => err.cause,
        );
        expect(failure).toMatchObject({ type: 'RunFailed', message: expect.stringContaining('node0001 at ApplyNodeStorage') as unknown });
        await pollUntil(async () => ((await describeSchedule(drydock, scheduleId)).state.paused ? true : undefined), { timeoutMs: 60_000, intervalMs: 500, what: 'the schedule to pause itself' });
        const after = await describeSchedule(drydock, scheduleId);
        expect(after.info.recentActions.length).toBeLessThanOrEqual(2);
      } finally {
        await deleteSchedule(drydock, scheduleId);
      }
    });
  });

  it('refuses a schedule without a spec, or with both cron and interval', async () => {
    const connection = await connectTemporal({ address: state.temporalAddress });
    try {
      const drydock = new DrydockClient(new Client({ connection }), { address: state.temporalAddress, namespace: state.namespace, taskQueue: 'unused' });
      const design = inline(simSiteDesign({ site: 'x', nodes: 1 }));
      await expect(createSchedule(drydock, { scheduleId: 'bad-1', design, spec: {} })).rejects.toThrow('a schedule needs --cron or --every');
      await expect(createSchedule(drydock, { scheduleId: 'bad-2', design, spec: { cron: ['0 3 * * *'], every: '1h' } })).rejects.toThrow('give either --cron or --every, not both');
    } finally {
      await connection.close();
    }
  });
});
