import { Client } from '@temporalio/client';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DrydockClient } from '../../src/client';
import { nodeWorkflowId, SiteActionResult } from '../../src/contracts/deployment';
import { DevServer, startDevServer } from '../../src/tools/dev-server';
import { pollUntil } from '../../src/tools/poll';
import { freePort } from '../../src/tools/ports';
import { driverPowerCommands, labDeployment, type LabDeployment, maasCounts, waitUntilDeploying } from '../support/lab-deployment';
import type { ManagedProcess } from '../../src/tools/process-group';
import { readRunState } from '../support/run-state';
import { uniqueTaskQueue } from '../support/temporal';
import { crash, startWorkerProcess } from '../support/worker-process';
import { connectTemporal } from '../../src/config/open-connection';

// Crash survival on the real stack: a real dev server, drydock workers in processes of their
// own, and the lab's emulators (sushy-emulator, ipmi_sim, the MAAS emulator). The counts are
// taken at the emulators.

type Deployment = LabDeployment;

function expectOnceEach(d: Deployment, result: SiteActionResult): void {
  expect(result).toMatchObject({ status: 'success', failures: [] });
  expect(result.successes.sort()).toEqual([...d.nodes].sort());
  for (const node of d.nodes) {
    const counts = maasCounts(d, node);
    // One deploy per machine, one commissioning, one power-on by our PowerCycleNode (the machine
    // was off, so the cycle was a power-on), whatever the crash.
    expect({ node, deploy: counts.deploy, commission: counts.commission, ourPowerCommands: driverPowerCommands(d, node) }).toEqual({ node, deploy: 1, commission: 1, ourPowerCommands: 1 });
  }
}

describe('crash survival against the lab (sushy-emulator, ipmi_sim, MAAS emulator)', () => {
  it('(a) kill -9 of the worker while DeployNode polls: a new worker finishes, and no completed step runs twice', async () => {
    const d = await labDeployment('alpha');
    const connection = await connectTemporal({ address: readRunState().temporalAddress });
    const client = new Client({ connection });
    const taskQueue = uniqueTaskQueue('crash-a');
    const workers: ManagedProcess[] = [];
    try {
      workers.push(await startWorkerProcess({ address: readRunState().temporalAddress, taskQueue, env: d.env, client }));
      const drydock = new DrydockClient(client, { address: readRunState().temporalAddress, namespace: 'default', taskQueue });
      const { workflowId } = await drydock.startDeployment({ design: d.design, options: { retryWindow: 0 } });
      await waitUntilDeploying(client, workflowId, d);

      crash(workers[0]);
      await pollUntil(() => (workers[0].exited() ? true : undefined), { timeoutMs: 10_000, what: 'the killed worker to be gone' });
      workers.push(await startWorkerProcess({ address: readRunState().temporalAddress, taskQueue, env: d.env, client }));

      const result = (await client.workflow.getHandle(workflowId).result()) as SiteActionResult;
      expectOnceEach(d, result);
      // The DeployNode activity did run a second attempt, on the new worker, resuming the poll.
      const history = await client.workflow.getHandle(nodeWorkflowId(d.site, d.nodes[0])).fetchHistory();
      const attempts = (history.events ?? []).flatMap((e) => (e.activityTaskStartedEventAttributes ? [e.activityTaskStartedEventAttributes.attempt ?? 1] : []));
      expect(Math.max(...attempts)).toBeGreaterThanOrEqual(2);
    } finally {
      for (const w of workers) await w.stop();
      await connection.close();
      await d.lab.stop();
    }
  }, 400_000);

  it('(b) the Temporal server itself stops and restarts (same --db-filename) mid-deployment: the deployment completes', async () => {
    const d = await labDeployment('bravo');
    const dbFilename = join(mkdtempSync(join(tmpdir(), 'drydock-crash-db-')), 'temporal.db');
    const port = await freePort();
    let server: DevServer | undefined = await startDevServer({ headless: true, dbFilename, port });
    let connection = await connectTemporal({ address: server.address });
    let worker: ManagedProcess | undefined;
    const taskQueue = uniqueTaskQueue('crash-b');
    try {
      let client = new Client({ connection });
      worker = await startWorkerProcess({ address: server.address, taskQueue, env: d.env, client });
      const drydock = new DrydockClient(client, { address: server.address, namespace: 'default', taskQueue });
      const { workflowId } = await drydock.startDeployment({ design: d.design, options: { retryWindow: 0 } });
      await waitUntilDeploying(client, workflowId, d);

      await connection.close();
      await server.stop();
      server = await startDevServer({ headless: true, dbFilename, port });
      connection = await connectTemporal({ address: server.address });
      client = new Client({ connection });

      const result = (await client.workflow.getHandle(workflowId).result()) as SiteActionResult;
      expectOnceEach(d, result);
      expect(worker.exited()).toBe(false); // the same worker rode out the outage
    } finally {
      await worker?.stop();
      await connection.close();
      await server?.stop();
      await d.lab.stop();
    }
  }, 400_000);
});
