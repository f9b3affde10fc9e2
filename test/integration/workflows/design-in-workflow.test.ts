import { Client } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DesignInWorkflowResult } from '../../fixtures/design-workflow/workflows';
import { REPO_ROOT } from '../../support/paths';
import { readRunState } from '../../support/run-state';
import { quietBundlerLogger, uniqueTaskQueue } from '../../support/temporal';
import { connectTemporal } from '../../../src/config/open-connection';

describe('the design modules inside a workflow', () => {
  it('load, compile, validate and filter nodes in the workflow sandbox of a real worker', async () => {
    const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../../fixtures/design-workflow/workflows'), logger: quietBundlerLogger });
    const state = readRunState();
    const taskQueue = uniqueTaskQueue('design');
    const nativeConnection = await NativeConnection.connect({ address: state.temporalAddress });
    const connection = await connectTemporal({ address: state.temporalAddress });
    try {
      const worker = await Worker.create({ connection: nativeConnection, namespace: state.namespace, taskQueue, workflowBundle: { code } });
      const client = new Client({ connection, namespace: state.namespace });
      const text = readFileSync(join(REPO_ROOT, 'test/fixtures/drydock-samples/deckhand_fullsite.yaml'), 'utf8');
      const result = await worker.runUntil(
        client.workflow.execute('designInWorkflow', { taskQueue, workflowId: `${taskQueue}-wf`, args: [text, ['foo=baz']] }) as Promise<DesignInWorkflowResult>,
      );
      expect(result).toEqual({ ok: true, errors: [], nodes: ['compute01', 'compute02', 'controller01'], selected: ['compute02'] });
    } finally {
      await connection.close();
      await nativeConnection.close();
    }
  }, 120_000);
});
