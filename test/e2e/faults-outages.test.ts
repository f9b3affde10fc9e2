import { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DrydockClient } from '../../src/client';
import { nodeProgressQuery } from '../../src/contracts/control';
import { nodeWorkflowId, type NodeProgress, type NodeStep, type SiteActionResult } from '../../src/contracts/deployment';
import { type DevServer, startDevServer } from '../../src/tools/dev-server';
import { pollUntil } from '../../src/tools/poll';
import { freePort } from '../../src/tools/ports';
import type { ManagedProcess } from '../../src/tools/process-group';
import { driverPowerCommands, labDeployment, type LabDeployment, maasCounts, sideEffects, sideEffectTable } from '../support/lab-deployment';
import { uniqueTaskQueue } from '../support/temporal';
import { startWorkerProcess } from '../support/worker-process';
import { connectTemporal } from '../../src/config/open-connection';

// Fault injection on the lab (issue 17), the outages: a Temporal server of this test's own (the
// test support's shared server serves every other file) and one deployment of a Redfish node
// (sushy-emulator) and an IPMI node (ipmi_sim) through the MAAS emulator, with, one after
// another as the run reaches them:
//   1. the Temporal server stopped during PowerCycleNode once both BMCs accepted our power-on
//      (the server's heartbeat record names the sent command), and kept down for longer than
//      the power activity's heartbeat timeout (30 s, workflows/activity-options.ts), so the
//      attempt times out (a true heartbeat timeout) while the lab's MAAS powers the machines off
//      after enlistment; then restarted with the same --db-filename. The retry must not power
//      the machines on again;
//   2. the MAAS emulator stopped while it commissions (connection refused), then started again
//      on the same port from its state file;
//   3. the Temporal server killed (SIGKILL) while MAAS deploys, and restarted at once.
// The worker is the same process throughout. At the end every node is done and the side effects
// are counted at the emulators. The worker kill -9s, the frozen BMC, the concurrent run and the
// MAAS 503s are e2e/faults.test.ts.

const POWER_HEARTBEAT_TIMEOUT_MS = 30_000;
const { TimeoutType } = temporal.api.enums.v1;

describe('fault injection against the lab: Temporal server and MAAS outages', () => {
  it('a server outage longer than the heartbeat timeout during PowerCycleNode (sushy and ipmi_sim), a stopped MAAS while it commissions, a SIGKILLed server while it deploys: every node done once, no second power-on', async () => {
    // poll_interval_ms 6000: the power-on's wait lasts long enough to stop the server inside it
    // on both BMC kinds; power_timeout_s 60 bounds the resumed attempt's wait.
    const d: LabDeployment = await labDeployment('outages', {
      durations: { enlistingSeconds: 4, commissioningSeconds: 6, deployingSeconds: 12, releasingSeconds: 1, importSeconds: 0.2 },
      oobParams: { poll_interval_ms: 6000, power_timeout_s: 60 },
    });
    const dbFilename = join(mkdtempSync(join(tmpdir(), 'drydock-outages-db-')), 'temporal.db');
    const port = await freePort();
    let server: DevServer = await startDevServer({ headless: true, dbFilename, port });
    let connection = await connectTemporal({ address: server.address });
    let client = new Client({ connection });
    const taskQueue = uniqueTaskQueue('outages');
    let worker: ManagedProcess | undefined;
    const log: string[] = [];
    const started = Date.now();
    const note = (what: string) => log.push(`${((Date.now() - started) / 1000).toFixed(0)} s: ${what}`);
    const nodeStep = async (node: string): Promise<NodeProgress | undefined> => {
      try {
        return await client.workflow.getHandle(nodeWorkflowId(d.site, node)).query(nodeProgressQuery);
      } catch {
        return undefined; // not started yet
      }
    };
    /** The heartbeat details the server holds for the node's pending power cycle. */
    const recordedHeartbeat = async (node: string): Promise<string | undefined> => {
      try {
        const pending = (await client.workflow.getHandle(nodeWorkflowId(d.site, node)).describe()).raw.pendingActivities ?? [];
        const cycle = pending.find((a) => a.activityType?.name === 'powerCycleNode');
        return (cycle?.heartbeatDetails?.payloads ?? []).map((p) => Buffer.from(p.data ?? new Uint8Array()).toString('utf8')).join('');
      } catch {
        return undefined;
      }
    };
    const restartServer = async (how: 'SIGTERM' | 'SIGKILL', downMs: number) => {
      await connection.close();
      if (how === 'SIGKILL') {
        process.kill(-(server.process.child.pid as number), 'SIGKILL');
        await pollUntil(() => (server.process.exited() ? true : undefined), { timeoutMs: 10_000, what: 'the killed server to be gone' });
      } else {
        await server.stop();
      }
      note(`Temporal server stopped (${how}); down for ${downMs / 1000} s`);
      await new Promise((r) => setTimeout(r, downMs));
      server = await startDevServer({ headless: true, dbFilename, port });
      connection = await connectTemporal({ address: server.address });
      client = new Client({ connection });
      note('Temporal server restarted (same --db-filename)');
    };
    // By lab key: a machine keeps MAAS's random hostname until IdentifyNode names it.
    const maasMachine = (node: string) => Object.values(d.lab.maas!.stats().machines).find((m) => m.lab === d.lab.maasLabKey(node));
    const maasStatus = (node: string) => maasMachine(node)?.status;
    try {
      worker = await startWorkerProcess({ address: server.address, taskQueue, env: d.env, client });
      const drydock = new DrydockClient(client, { address: server.address, namespace: 'default', taskQueue });
      const { workflowId } = await drydock.startDeployment({ design: d.design, options: { retryWindow: 0 } });

      // 1. Both nodes in PowerCycleNode, each BMC holding our command and the server its record
      // (the one written ahead of it: the record of the accepted command follows only after the
      // heartbeat throttle interval).
      const held = async (n: string): Promise<boolean> => driverPowerCommands(d, n) >= 1 && ((await recordedHeartbeat(n)) ?? '').includes('"sent":{');
      await pollUntil(async () => ((await Promise.all(d.nodes.map(held))).every(Boolean) ? true : undefined), {
        timeoutMs: 240_000,
        intervalMs: 100,
        what: 'both nodes in PowerCycleNode with the accepted power command in the heartbeat record',
      });
      note(`both nodes in PowerCycleNode, the power-on accepted (power commands at the BMCs: ${d.nodes.map((n) => d.lab.bmcCommands(n).power).join(', ')})`);
      await restartServer('SIGTERM', POWER_HEARTBEAT_TIMEOUT_MS + 15_000);
      note(`MAAS after the outage: ${d.nodes.map((n) => `${n} ${maasMachine(n)?.status ?? 'not enlisted'}, powered off by MAAS ${maasCounts(d, n).bmc_power_off ?? 0}x`).join('; ')}`);

      // 2. and 3. when a node reaches the step.
      const steps: Array<{ step: NodeStep; status: string }> = [
        { step: 'ConfigureHardware', status: 'Commissioning' },
        { step: 'DeployNode', status: 'Deploying' },
      ];
      for (const { step, status } of steps) {
        const node = await pollUntil(
          async () => {
            for (const n of d.nodes) if ((await nodeStep(n))?.step === step && maasStatus(n) === status) return n;
            return undefined;
          },
          { timeoutMs: 240_000, intervalMs: 200, what: `a node at ${step} with MAAS ${status}` },
        );
        if (step === 'ConfigureHardware') {
          await d.lab.restartMaas(async () => {
            note(`MAAS emulator stopped (${node} at ${step}, ${status}): its port refuses connections`);
            await new Promise((r) => setTimeout(r, 20_000));
          });
          note('MAAS emulator started again on the same port from its state file');
        } else {
          note(`${node} at ${step} (${status})`);
          await restartServer('SIGKILL', 0);
        }
      }

      const result = (await client.workflow.getHandle(workflowId).result()) as SiteActionResult;
      note(`done: ${result.status}: ${result.message}`);
      // How each node's PowerCycleNode ended: its attempts and the failure of the attempt before.
      const cycles: Record<string, { attempt: number; lastFailure: string; timeoutType?: number | null }> = {};
      for (const n of d.nodes) {
        const events = (await client.workflow.getHandle(nodeWorkflowId(d.site, n)).fetchHistory()).events ?? [];
        const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'powerCycleNode');
        const start = events.find((e) => e.activityTaskStartedEventAttributes && Number(e.activityTaskStartedEventAttributes.scheduledEventId) === Number(scheduled?.eventId));
        const attrs = start?.activityTaskStartedEventAttributes;
        cycles[n] = { attempt: attrs?.attempt ?? 0, lastFailure: attrs?.lastFailure?.message ?? '', timeoutType: attrs?.lastFailure?.timeoutFailureInfo?.timeoutType };
        note(`${n} PowerCycleNode: attempt ${cycles[n].attempt} after "${cycles[n].lastFailure}": ${result.nodes.find((x) => x.node === n)?.steps.find((s) => s.step === 'PowerCycleNode')?.message ?? '-'}`);
      }
      const table = sideEffectTable(d, 'e2e/faults-outages.test.ts');
      process.stdout.write(`fault suite (outages):\n${log.join('\n')}\n${table}\n`);

      expect(result).toMatchObject({ status: 'success', failures: [], skipped: [] });
      expect(result.successes.sort()).toEqual([...d.nodes].sort());
      for (const n of d.nodes) {
        // The power cycle was retried after a heartbeat timeout, not a failure of its own.
        expect({ node: n, attempt: cycles[n].attempt >= 2, timeoutType: cycles[n].timeoutType }).toEqual({ node: n, attempt: true, timeoutType: TimeoutType.TIMEOUT_TYPE_HEARTBEAT });
        // One commissioning, one deployment, no release; exactly one power command from drydock
        // (the machine was off, so the cycle was one power-on) and no second power-on after
        // MAAS powered it off; one boot-device command from drydock (SetNodeBoot).
        expect({ node: n, ...sideEffects(d, n) }).toMatchObject({ node: n, commission: 1, deploy: 1, release: 0, ourPowerCommands: 1, ourBootCommands: 1 });
      }
      expect(worker.exited()).toBe(false); // the same worker rode out every outage
    } finally {
      await worker?.stop();
      await connection.close();
      await server.stop();
      await d.lab.stop();
    }
  }, 420_000);
});
