import type { Client } from '@temporalio/client';
import { DrydockClient } from '../../../src/client';
import { nodeProgressQuery } from '../../../src/contracts/control';
import { nodeWorkflowId, type SiteActionResult } from '../../../src/contracts/deployment';
import type { ManagedProcess } from '../../../src/tools/process-group';
import { labDeployment, sideEffects, type LabDeployment } from '../../support/lab-deployment';
import { startRedfishProxy, type RedfishProxy } from '../../support/redfish-proxy';
import { readRunState } from '../../support/run-state';
import { connectClient, uniqueTaskQueue } from '../../support/temporal';
import { startWorkerProcess } from '../../support/worker-process';

// The BMC lock on the lab: two `drydock worker` processes deploy nodes whose Redfish BMCs are
// Systems behind ONE sushy-emulator, reached through a recording proxy that counts the requests
// it is handling at once (each held 100 ms, so that two workers' requests would overlap).
/** Where each node is, for a run that takes too long. */
async function describeRun(client: Client, d: LabDeployment, workflowId: string, workers: ManagedProcess[]): Promise<string> {
  const lines = [workflowId];
  for (const node of d.nodes) {
    const p = await client.workflow.getHandle(nodeWorkflowId(d.site, node)).query(nodeProgressQuery).catch((err: unknown) => String(err));
    lines.push(`${node}: ${typeof p === 'string' ? p : `${p.state} ${p.step ?? ''} ${p.waiting ?? ''} ${p.lastError ?? ''}`}`);
  }
  for (const w of workers) lines.push(w.outputTail());
  return lines.join('\n');
}

describe('the BMC lock on the lab, two worker processes', () => {
  let client: Client;
  let close: () => Promise<void>;
  beforeAll(async () => ({ client, close } = await connectClient()));
  afterAll(async () => close());

  it('deploys every node once, and the shared Redfish endpoint never has two requests in flight', async () => {
    const state = readRunState();
    const d: LabDeployment = await labDeployment('bmclock', { nodes: 4, durations: { enlistingSeconds: 2, commissioningSeconds: 1, deployingSeconds: 3, releasingSeconds: 1, importSeconds: 0.2 } });
    let proxy: RedfishProxy | undefined;
    const workers: ManagedProcess[] = [];
    try {
      const taskQueue = uniqueTaskQueue('bmclocklab');
      for (let i = 0; i < 2; i++) {
        workers.push(await startWorkerProcess({ address: state.temporalAddress, namespace: state.namespace, taskQueue, client, env: { ...d.env, DRYDOCK_WORKFLOW_BUNDLE: state.workflowBundlePath } }));
      }
      const drydock = new DrydockClient(client, { address: state.temporalAddress, namespace: state.namespace, taskQueue });
      const finish = async (workflowId: string): Promise<SiteActionResult> =>
        (await Promise.race([
          client.workflow.getHandle(workflowId).result(),
          new Promise((_, reject) => setTimeout(() => void describeRun(client, d, workflowId, workers).then((text) => reject(new Error(`the run did not end in 150 s:\n${text}`))), 150_000).unref()),
        ])) as SiteActionResult;

      // 1. The deployment, straight to the BMCs (the MAAS emulator identifies machines by the
      //    BMC address and port it holds, so the design keeps the emulator's own port here).
      const started = Date.now();
      const deployed = await finish((await drydock.startDeployment({ design: d.design, options: { retryWindow: 0 } })).workflowId);
      expect({ status: deployed.status, failures: deployed.failures }).toEqual({ status: 'success', failures: [] });
      for (const node of d.nodes) expect(sideEffects(d, node)).toMatchObject({ commission: 1, deploy: 1, release: 0, ourPowerCommands: 1 });
      const deployS = ((Date.now() - started) / 1000).toFixed(1);

      // 2. Every node's BMC checked and read again through the recording proxy: the shared
      //    endpoint never handles two requests at once, whichever worker sends them.
      proxy = await startRedfishProxy({ upstream: `http://127.0.0.1:${d.redfishPort}`, delayMs: 100 });
      const text = d.design.sources[0].text.replace(new RegExp(`port: ${d.redfishPort}\\b`, 'g'), `port: ${proxy.port}`);
      expect(text).toContain(`port: ${proxy.port}`);
      const verified = await finish((await drydock.startAction('VerifyNodes', { design: { type: 'inline', sources: [{ name: 'lab.yaml', text }] }, options: { retryWindow: 0 } })).workflowId);
      expect({ status: verified.status, failures: verified.failures }).toEqual({ status: 'success', failures: [] });
      expect(proxy.received).toBeGreaterThan(0);
      expect(proxy.maxInFlight).toBe(1);
      process.stdout.write(`BMC lock on the lab: ${d.nodes.length} nodes (2 Redfish Systems behind one sushy-emulator) deployed by two workers in ${deployS} s; then ${proxy.received} Redfish requests through the recording proxy, at most ${proxy.maxInFlight} in flight\n`);
    } finally {
      for (const w of workers) await w.stop(30_000);
      await proxy?.stop();
      await d.lab.stop();
    }
  }, 240_000);
});
