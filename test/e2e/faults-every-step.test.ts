import { Client } from '@temporalio/client';
import { DrydockClient } from '../../src/client';
import { nodeWorkflowId, siteStepsWorkflowId, type SiteActionResult } from '../../src/contracts/deployment';
import { parseFaultConfig } from '../../lab/maas/config';
import { pollUntil } from '../../src/tools/poll';
import type { ManagedProcess } from '../../src/tools/process-group';
import { driverPowerCommands, labDeployment, type LabDeployment, sideEffects, sideEffectTable } from '../support/lab-deployment';
import { readRunState } from '../support/run-state';
import { uniqueTaskQueue } from '../support/temporal';
import { crash, startWorkerProcess, workerIdentityPrefix } from '../support/worker-process';
import { connectTemporal } from '../../src/config/open-connection';

// Issue 17 item 3: kill -9 of the worker while EACH kind of step of a DeployNodes run is in
// flight (its activity started and not completed, as the server's pendingActivities show it:
// state STARTED), then a new worker. A lab of its own: a Redfish node (sushy-emulator) and an IPMI
// node (ipmi_sim) behind the MAAS emulator. Fast steps are held so they can be caught in flight:
// every MAAS API request is answered late (the emulator's slow-answer fault), and for
// SetNodeBoot the node's BMC is frozen (SIGSTOP) from the kill in the step before it (CheckExists).
// "In flight" is an attempt the server shows STARTED on the live worker (lastWorkerIdentity), and
// still so after the kill; no kill while a live attempt is of a kind killed already, so every
// step kind is killed once (a second kill of a retried attempt is another test).
// The lab design has no switches and no Kubernetes driver: the switch port steps and RelabelNode
// are skipped by the plan (workflows/plans.ts), so they run no activity to kill.
// Side effects are counted at the emulators, and MAAS's write requests are compared with an
// undisturbed run of the same design on a second lab (same shape: 1 Redfish + 1 IPMI node).
// After a kill -9 nothing fails the dead attempt: the server retries it once the step's timeout
// passes (heartbeat 30 s for power/commission/deploy, 1 min for site and apply steps,
// IdentifyNode's 1 min start-to-close; workflows/activity-options.ts), nine waits in a row, 8-10
// minutes. In CI (npm test) the test does what the server would do at that timeout, sooner: it
// fails the dead attempt by its id (RespondActivityTaskFailedById), so the retry starts at once
// with the heartbeat details the server holds, as after a timeout; about 3 minutes. Waiting out
// the real timeouts is `npm run test:faults-extended` (DRYDOCK_E2E_REAL_TIMEOUTS=1).
// faults.test.ts and faults-outages.test.ts wait out real heartbeat timeouts in CI.

/** Step kind -> its activity (workflows/step-activities.ts). Only the network template step of
 * the site steps: each kill costs the step's heartbeat timeout (1 minute for site activities). */
const TARGETS: Array<{ step: string; activity: string; site?: boolean }> = [
  { step: 'CreateNetworkTemplate', activity: 'createNetworkTemplate', site: true },
  { step: 'CheckExists', activity: 'checkExists' },
  { step: 'SetNodeBoot', activity: 'setNodeBoot' },
  { step: 'PowerCycleNode', activity: 'powerCycleNode' },
  { step: 'IdentifyNode', activity: 'identifyNode' },
  { step: 'ConfigureHardware', activity: 'configureHardware' },
  { step: 'ApplyNodeNetworking', activity: 'applyNodeNetworking' },
  { step: 'ApplyNodeStorage', activity: 'applyNodeStorage' },
  { step: 'ApplyNodePlatform', activity: 'applyNodePlatform' },
  { step: 'DeployNode', activity: 'deployNode' },
];
const STARTED = 2; // temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED

const DURATIONS = { enlistingSeconds: 4, commissioningSeconds: 4, deployingSeconds: 8, releasingSeconds: 1, importSeconds: 0.2 };

/** MAAS's state-changing requests (every verb but GET) by route template, summed over nodes:
 * those MAAS carried out (applied), and all it received. */
function writes(d: LabDeployment): Record<string, number> {
  return Object.fromEntries(Object.entries(d.lab.maas!.stats().applied).filter(([t]) => !t.startsWith('GET ')));
}
function received(d: LabDeployment): Record<string, number> {
  return Object.fromEntries(Object.entries(d.lab.maas!.stats().requests).filter(([t]) => !t.startsWith('GET ')));
}

const REAL_TIMEOUTS = process.env.DRYDOCK_E2E_REAL_TIMEOUTS === '1';

describe('fault injection against the lab: kill -9 of the worker in every kind of step', () => {
  it('every step kind killed in flight once: every node done, no side effect twice', async () => {
    const [d, ref] = await Promise.all([labDeployment('kill-every', { durations: DURATIONS }), labDeployment('kref', { durations: DURATIONS })]);
    const { temporalAddress: address, workflowBundlePath } = readRunState();
    const connection = await connectTemporal({ address });
    const client = new Client({ connection });
    const taskQueue = uniqueTaskQueue('every-step');
    const refQueue = uniqueTaskQueue('every-step-ref');
    const workers: ManagedProcess[] = [];
    const started = Date.now();
    const secs = () => ((Date.now() - started) / 1000).toFixed(1);
    const log: string[] = [];
    const killed: Array<{ step: string; node: string; attempt: number; at: string }> = [];
    const covered = new Set<string>();
    const frozen = new Set<ManagedProcess>();
    const bmcOf = (node: string): ManagedProcess => d.lab.ipmi.get(node)?.process ?? d.lab.redfish[0].process;
    const thaw = () => {
      for (const p of frozen) process.kill(p.child.pid as number, 'SIGCONT');
      frozen.clear();
    };
    const pending = async (workflowId: string) => {
      try {
        return (await client.workflow.getHandle(workflowId).describe()).raw.pendingActivities ?? [];
      } catch {
        return []; // not started yet
      }
    };
    const start = (queue: string) => startWorkerProcess({ address, taskQueue: queue, env: d.env, client, workflowBundle: workflowBundlePath });
    try {
      workers.push(await start(taskQueue));
      const refWorker = await startWorkerProcess({ address, taskQueue: refQueue, env: ref.env, client, workflowBundle: workflowBundlePath });
      workers.push(refWorker);
      // Every MAAS answer 400 ms late on the faulted lab (lab/maas/server.ts slow answers).
      d.lab.maas!.setFaults(parseFaultConfig({ slowRate: 1, slowMs: 400 }));
      const run = await new DrydockClient(client, { address, namespace: 'default', taskQueue }).startDeployment({ design: d.design, options: { retryWindow: 0 } });
      const refRun = await new DrydockClient(client, { address, namespace: 'default', taskQueue: refQueue }).startDeployment({ design: ref.design, options: { retryWindow: 0 } });
      let ended = false;
      const outcome = client.workflow.getHandle(run.workflowId).result() as Promise<SiteActionResult>;
      void outcome.finally(() => (ended = true));
      const refOutcome = client.workflow.getHandle(refRun.workflowId).result() as Promise<SiteActionResult>;

      await pollUntil(
        async () => {
          if (ended) throw new Error(`the run ended before every step kind was killed; not caught: ${TARGETS.filter((t) => !covered.has(t.step)).map((t) => t.step).join(', ')}`);
          const where = [{ node: '(site)', id: siteStepsWorkflowId(d.site) }, ...d.nodes.map((n) => ({ node: n, id: nodeWorkflowId(d.site, n) }))];
          const inFlight: Array<{ step: string; node: string; attempt: number; workflowId: string; activityId: string }> = [];
          // Live attempts only: a killed worker's attempt stays STARTED until its timeout.
          const live = workerIdentityPrefix(workers[0]);
          for (const w of where) {
            for (const a of await pending(w.id)) {
              const target = TARGETS.find((t) => t.activity === a.activityType?.name);
              if (!target || Number(a.state) !== STARTED || !(a.lastWorkerIdentity ?? '').startsWith(live)) continue;
              // PowerCycleNode once the BMC has our command. A kill after the command's record is
              // written ahead and before the command leaves leaves the node off, by design: the
              // retry cannot tell it from a command that took effect and that the bootstrapper
              // undid, and a power action takes effect at most once (docs/oob-drivers.md); the
              // node then fails at IdentifyNode, not enlisted. That is not the case this covers.
              if (target.step === 'PowerCycleNode' && driverPowerCommands(d, w.node) < 1) continue;
              inFlight.push({ step: target.step, node: w.node, attempt: a.attempt ?? 1, workflowId: w.id, activityId: a.activityId ?? '' });
            }
          }
          // Each step kind killed once: not while another live attempt is of a kind killed already.
          if (!inFlight.some((f) => !covered.has(f.step)) || inFlight.some((f) => covered.has(f.step))) return undefined;
          const current = workers[0];
          crash(current);
          const at = secs();
          // Still in flight after the kill (the same attempt STARTED): it was when the worker died.
          const still: typeof inFlight = [];
          for (const w of where) {
            for (const a of await pending(w.id)) {
              const f = inFlight.find((x) => x.node === w.node && TARGETS.find((t) => t.step === x.step)?.activity === a.activityType?.name);
              if (f && Number(a.state) === STARTED && (a.attempt ?? 1) === f.attempt) still.push(f);
            }
          }
          for (const f of still) {
            killed.push({ ...f, at });
            covered.add(f.step);
          }
          const gone = inFlight.filter((f) => !still.includes(f));
          log.push(`${at} s: kill -9 of the worker; in flight: ${still.map((f) => `${f.step} on ${f.node} (attempt ${f.attempt})`).join(', ') || 'none'}${gone.length ? `; completed before the kill: ${gone.map((f) => `${f.step} on ${f.node}`).join(', ')}` : ''}`);
          await pollUntil(() => (current.exited() ? true : undefined), { timeoutMs: 10_000, what: 'the killed worker to be gone' });
          // What the server does once the dead attempt's timeout passes, without the wait.
          if (!REAL_TIMEOUTS) {
            for (const f of still) {
              await client.activity.fail({ workflowId: f.workflowId, activityId: f.activityId }, new Error('the worker running this attempt was killed (kill -9); failed by the test at once instead of after the step timeout'));
            }
          }
          thaw();
          // Hold SetNodeBoot: freeze the BMC of each node whose CheckExists was just killed, until
          // the kill that catches SetNodeBoot (the retried CheckExists finds the node unknown).
          if (!covered.has('SetNodeBoot')) {
            for (const f of still.filter((x) => x.step === 'CheckExists')) {
              const bmc = bmcOf(f.node);
              if (frozen.has(bmc)) continue;
              process.kill(bmc.child.pid as number, 'SIGSTOP');
              frozen.add(bmc);
              log.push(`${secs()} s: ${f.node}'s BMC frozen (SIGSTOP) to hold SetNodeBoot`);
            }
          }
          workers[0] = await start(taskQueue);
          return TARGETS.every((t) => covered.has(t.step)) ? true : undefined;
        },
        { timeoutMs: 780_000, intervalMs: 100, what: 'every step kind in flight once', isFatal: (e) => e instanceof Error && e.message.startsWith('the run ended') },
      );
      d.lab.maas!.setFaults(parseFaultConfig({}));
      const [result, refResult] = await Promise.all([outcome, refOutcome]);
      log.push(`${secs()} s: done: ${result.status}: ${result.message}`);

      const w = writes(d);
      const rw = writes(ref);
      const got = received(d);
      const templates = [...new Set([...Object.keys(w), ...Object.keys(rw)])].sort();
      const writeTable = templates.map((t) => `| ${t.padEnd(60)} | ${String(w[t] ?? 0).padStart(6)} | ${String(rw[t] ?? 0).padStart(9)} | ${String(got[t] ?? 0).padStart(8)} |`);
      process.stdout.write(
        [
          'every-step fault suite:',
          ...log,
          'killed in flight (step, node, attempt, seconds since start):',
          ...killed.map((k) => `  ${k.step.padEnd(22)} ${k.node.padEnd(8)} attempt ${k.attempt}  ${k.at} s`),
          sideEffectTable(d, 'e2e/faults-every-step.test.ts'),
          `MAAS writes carried out by route (and received, with refused duplicates): | ${'template'.padEnd(58)} | killed | undisturbed | received |`,
          ...writeTable,
        ].join('\n') + '\n',
      );
      expect(refResult).toMatchObject({ status: 'success', failures: [] });
      expect(result).toMatchObject({ status: 'success', failures: [], skipped: [] });
      expect(result.successes.sort()).toEqual([...d.nodes].sort());
      expect(TARGETS.filter((t) => !covered.has(t.step)).map((t) => t.step)).toEqual([]);
      for (const node of d.nodes) {
        expect({ node, ...sideEffects(d, node) }).toMatchObject({ node, commission: 1, deploy: 1, release: 0, ourPowerCommands: 1 });
      }
      // No create, delete or action carried out twice: MAAS carried out the same POSTs and DELETEs as in
      // the undisturbed run (a duplicate it refused as "already exists" was received, not carried out).
      const changing = (r: Record<string, number>) => Object.fromEntries(Object.entries(r).filter(([t]) => /^(POST|DELETE) /.test(t)));
      expect(changing(w)).toEqual(changing(rw));
    } finally {
      thaw();
      for (const wk of workers) await wk.stop();
      await connection.close();
      await Promise.allSettled([d.lab.stop(), ref.lab.stop()]);
    }
  }, 900_000);
});
