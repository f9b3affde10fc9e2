import type { Client } from '@temporalio/client';
import { createActivities } from '../../activities';
import { STACK_CHECK_WORKFLOW } from '../../src/contracts/stack-check';

/**
 * Workflow runs whose histories are kept under test/histories/ and replayed by the suite, so
 * that a non-deterministic change to workflow code fails CI. `npm run record-histories`
 * re-records them after an intended, versioned change.
 */
export interface HistoryScenario {
  name: string;
  activities: () => object;
  run: (client: Client, taskQueue: string, workflowId: string) => Promise<void>;
}

export const HISTORY_SCENARIOS: HistoryScenario[] = [
  {
    name: 'stack-check',
    activities: () => createActivities(),
    async run(client, taskQueue, workflowId) {
      await client.workflow.execute(STACK_CHECK_WORKFLOW, { taskQueue, workflowId, args: [{ requestedBy: 'history-recorder' }] });
    },
  },
];
