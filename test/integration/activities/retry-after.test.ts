import { Context } from '@temporalio/activity';
import { bundleWorkflowCode } from '@temporalio/worker';
import { runDriverAction } from '../../../activities/driver-context';
import { DriverError } from '../../../src/drivers/errors';
import { quietBundlerLogger, uniqueTaskQueue, withWorker } from '../../support/temporal';

// A Busy answer with Retry-After: 0 (the MAAS emulator's 503s say so, as MAAS does while its
// database is busy) must be retried. A next retry delay of 0 makes the Temporal server give up
// on the activity (retry state TIMEOUT): in the fault suite a 20 s MAAS outage failed a node's
// IdentifyNode that way. Real Temporal (the test support's dev server), a real worker; the
// activity is registered under an OOB activity's name only to reuse the test-only workflow of
// test/fixtures/workflows/oob.ts, which runs one activity with the retry options given.

it('a driver Busy with Retry-After 0 is retried by the activity retry policy (attempt 3 succeeds)', async () => {
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../../fixtures/workflows/oob'), logger: quietBundlerLogger });
  const taskQueue = uniqueTaskQueue('retry-after');
  const busyTwice = () =>
    runDriverAction(async () => {
      const { attempt } = Context.current().info;
      if (attempt < 3) throw new DriverError('maas', 'Busy', `MAAS answered HTTP 503 (attempt ${attempt})`, { retryAfterSeconds: 0 });
      return { changed: false, message: `done at attempt ${attempt}` };
    });
  const result: unknown = await withWorker({ taskQueue, workflowBundle: { code }, activities: { powerOnNode: busyTwice } }, (client) =>
    client.workflow.execute('oobActionWorkflow', {
      taskQueue,
      workflowId: taskQueue,
      args: [{ activity: 'powerOnNode', args: {} as never, maximumAttempts: 5, heartbeatTimeout: '10s', startToCloseTimeout: '10s' }],
    }),
  );
  expect(result).toMatchObject({ message: 'done at attempt 3' });
}, 60_000);
