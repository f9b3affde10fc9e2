import { Client, Connection } from '@temporalio/client';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DrydockClient } from '../../src/client';
import { nodeWorkflowId, SiteActionResult, SiteProgress } from '../../src/contracts/deployment';
import { processDesign } from '../../src/design';
import { exampleCredentials } from '../../lab/demo/example-site';
import { labSiteDesign } from '../../lab/lab-site-design';
import { SiteLab, startSiteLab } from '../../lab/site-lab';
import { SecretResolver } from '../../src/secrets/resolver';
import { DevServer, startDevServer } from '../../src/tools/dev-server';
import { pollUntil } from '../../src/tools/poll';
import { freePort } from '../../src/tools/ports';
import type { ManagedProcess } from '../../src/tools/process-group';
import { readRunState } from '../support/run-state';
import { uniqueTaskQueue } from '../support/temporal';
import { crash, startWorkerProcess } from '../support/worker-process';

// Crash survival on the real stack: a real dev server, drydock workers in processes of their
// own, and the lab's emulators (sushy-emulator, ipmi_sim, the MAAS emulator). The counts are
// taken at the emulators.

interface Deployment {
  lab: SiteLab;
  nodes: string[];
  site: string;
  env: Record<string, string>;
  design: { type: 'inline'; sources: Array<{ name: string; text: string }> };
}

async function labDeployment(name: string): Promise<Deployment> {
  const dir = mkdtempSync(join(tmpdir(), `drydock-${name}-`));
  const credentials = exampleCredentials(dir);
  const env = { ...credentials.env, DRYDOCK_SECRETS_FILE: credentials.secretsFile };
  const { text, nodes } = labSiteDesign({ nodes: 2, prefix: name.slice(0, 1), redfishPort: await freePort(), ipmiPorts: [await freePort()], maasPort: await freePort() });
  const compiled = processDesign([{ name: 'lab.yaml', text }]);
  if (!compiled.site) throw new Error('the lab design does not compile');
  const lab = await startSiteLab({
    site: compiled.site,
    secrets: new SecretResolver({ env: { ...process.env, ...env } }),
    stateDir: dir,
    // Deploying takes long enough to crash in the middle of it.
    maas: { bmcPollMs: 200, durations: { enlistingSeconds: 4, commissioningSeconds: 2, deployingSeconds: 25, releasingSeconds: 1, importSeconds: 0.2 } },
  });
  return { lab, nodes: nodes.map((n) => n.name), site: compiled.site.name, env, design: { type: 'inline', sources: [{ name: 'lab.yaml', text }] } };
}

/** Power commands our driver sent: what the emulator counted, less what MAAS sent itself. */
function driverPowerCommands(d: Deployment, node: string): number {
  const stats = d.lab.maas!.stats().byHostname[node] ?? {};
  return d.lab.bmcCommands(node).power - (stats.bmc_power_commands ?? 0);
}

async function waitUntilDeploying(client: Client, workflowId: string, d: Deployment): Promise<void> {
  await pollUntil(
    async () => {
      const progress = await client.workflow.getHandle(workflowId).query<SiteProgress>('progress');
      if (progress.phase === 'done') throw new Error(`the run ended before the crash: ${JSON.stringify(progress.result?.failures)}`);
      const statuses = Object.values(d.lab.maas!.stats().machines).map((m) => m.status);
      return statuses.length === d.nodes.length && statuses.every((s) => s === 'Deploying') ? true : undefined;
    },
    { timeoutMs: 240_000, intervalMs: 500, what: 'every machine to be Deploying', isFatal: (e) => e instanceof Error && e.message.startsWith('the run ended') },
  );
}

function expectOnceEach(d: Deployment, result: SiteActionResult): void {
  expect(result).toMatchObject({ status: 'success', failures: [] });
  expect(result.successes.sort()).toEqual([...d.nodes].sort());
  for (const node of d.nodes) {
    const counts = d.lab.maas!.stats().byHostname[node] ?? {};
    // One deploy per machine, one commissioning, one power-on by our PowerCycleNode (the machine
    // was off, so the cycle was a power-on), whatever the crash.
    expect({ node, deploy: counts.deploy, commission: counts.commission, ourPowerCommands: driverPowerCommands(d, node) }).toEqual({ node, deploy: 1, commission: 1, ourPowerCommands: 1 });
  }
}

describe('crash survival against the lab (sushy-emulator, ipmi_sim, MAAS emulator)', () => {
  it('(a) kill -9 of the worker while DeployNode polls: a new worker finishes, and no completed step runs twice', async () => {
    const d = await labDeployment('alpha');
    const connection = await Connection.connect({ address: readRunState().temporalAddress });
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
    let connection = await Connection.connect({ address: server.address });
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
      connection = await Connection.connect({ address: server.address });
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
