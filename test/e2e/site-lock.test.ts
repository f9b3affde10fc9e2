import { Client, Connection } from '@temporalio/client';
import { DrydockClient } from '../../src/client';
import type { SiteActionResult } from '../../src/contracts/deployment';
import type { MaasFabric, MaasVlan } from '../../src/drivers/node/maas/types';
import type { ManagedProcess } from '../../src/tools/process-group';
import { clientFor } from '../fixtures/maas-lab';
import { labDeployment, sideEffects } from '../support/lab-deployment';
import { readRunState } from '../support/run-state';
import { uniqueTaskQueue } from '../support/temporal';
import { startWorkerProcess } from '../support/worker-process';

// Two identical DeployNodes started together against the lab (issue 17, item 2): the site steps
// run once under the site lock, every node runs once, and the other run reports each node
// skipped naming the holder; neither fails.

describe('two identical DeployNodes at once on one site (the site lock)', () => {
  it('the site steps and every node run once; the other run skips each node naming the holder and is not success', async () => {
    const d = await labDeployment('lock', { durations: { enlistingSeconds: 2, commissioningSeconds: 1, deployingSeconds: 2, releasingSeconds: 1, importSeconds: 0.2 } });
    const address = readRunState().temporalAddress;
    const connection = await Connection.connect({ address });
    const client = new Client({ connection });
    const taskQueue = uniqueTaskQueue('site-lock');
    let worker: ManagedProcess | undefined;
    try {
      worker = await startWorkerProcess({ address, taskQueue, env: d.env, client });
      const drydock = new DrydockClient(client, { address, namespace: 'default', taskQueue });
      const runs = await Promise.all([drydock.startDeployment({ design: d.design, options: { retryWindow: 0 } }), drydock.startDeployment({ design: d.design, options: { retryWindow: 0 } })]);
      const results = await Promise.all(runs.map(async (r) => ({ id: r.workflowId, result: (await client.workflow.getHandle(r.workflowId).result()) as SiteActionResult })));
      const winner = results.find((r) => r.result.status === 'success');
      const loser = results.find((r) => r.result.status !== 'success');
      expect(winner && loser).toBeTruthy();
      expect(winner!.result.successes.sort()).toEqual([...d.nodes].sort());
      expect(loser!.result).toMatchObject({ status: 'incomplete', failures: [], successes: [] });
      expect(loser!.result.siteSteps.filter((s) => s.status === 'failed')).toEqual([]);
      expect(loser!.result.skipped.map((s) => s.node).sort()).toEqual([...d.nodes].sort());
      for (const s of loser!.result.skipped) expect(s.reason).toContain(winner!.id);
      expect(loser!.result.message).toContain(`${d.nodes.length} skipped`);
      // The site steps ran once: the loser either found the site lock held, or (when it came
      // after the holder's site steps had finished) ran them and changed nothing.
      const lockStep = loser!.result.siteSteps.find((s) => s.status === 'skipped' && s.message.startsWith('site busy'));
      const create = loser!.result.siteSteps.find((s) => s.step === 'CreateNetworkTemplate');
      expect(lockStep ?? create).toBeDefined();
      if (!lockStep) expect(create!.message).toContain('MAAS already matches the design');
      // Each node: one commissioning, one deployment, one power-on by our PowerCycleNode.
      for (const node of d.nodes) expect({ node, ...sideEffects(d, node) }).toMatchObject({ node, commission: 1, deploy: 1, release: 0, ourPowerCommands: 1 });
      // Each fabric and VLAN exists once at MAAS.
      const fabrics = await clientFor(d.lab.maas!).get<MaasFabric[]>('fabrics/');
      const names = fabrics.map((f) => f.name);
      expect(names.length).toBe(new Set(names).size);
      for (const f of fabrics) expect(f.vlans.map((v: MaasVlan) => v.vid).length).toBe(new Set(f.vlans.map((v: MaasVlan) => v.vid)).size);
      console.log(`site lock: ${lockStep ? 'the second run found the site lock held' : 'the second run came after the site steps'}; ${loser!.result.message}`);
    } finally {
      await worker?.stop();
      await connection.close();
      await d.lab.stop();
    }
  }, 400_000);
});
