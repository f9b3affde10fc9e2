/** The activities behind the cross-worker BMC lock (workflows/bmc-lock.ts): a workflow cannot
 * signal-with-start, so queuing a request at the lock workflow goes through an activity. */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { BmcLockActivityInput } from '../src/contracts/activities';
import { BMC_LOCK_WORKFLOW, bmcLockAcquireSignal, legacyBmcLockWorkflowId, type BmcLockWorkflowInput } from '../src/contracts/segments';

export function createBmcLockActivities(deps: { client?: Client }) {
  const client = (): Client => {
    if (!deps.client) throw ApplicationFailure.nonRetryable('the BMC lock needs a Temporal client in the worker (createActivities({ client }))', 'NoTemporalClient');
    return deps.client;
  };
  return {
    async requestBmcLock(input: BmcLockActivityInput): Promise<void> {
      const { endpoint, lockWorkflowId, ...request } = input;
      const args: [BmcLockWorkflowInput] = [{ endpoint }];
      await client().workflow.signalWithStart(BMC_LOCK_WORKFLOW, {
        workflowId: lockWorkflowId ?? legacyBmcLockWorkflowId(endpoint),
        // The general queue this run's workflows are on: the lock workflow is one of them.
        taskQueue: Context.current().info.taskQueue,
        args,
        signal: bmcLockAcquireSignal,
        signalArgs: [request],
        staticSummary: 'one command at a time to one BMC (its endpoint is in the input, encrypted with a codec)',
      });
    },

    async bmcLockHolderRunning(input: { workflowId: string; runId: string }): Promise<boolean> {
      try {
        const d = await client().workflow.getHandle(input.workflowId, input.runId).describe();
        return d.status.name === 'RUNNING';
      } catch (err) {
        if (err instanceof Error && err.name === 'WorkflowNotFoundError') return false;
        throw err;
      }
    },
  };
}
