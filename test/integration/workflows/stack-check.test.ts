import { createActivities } from '../../../activities';
import { STACK_CHECK_WORKFLOW, StackCheckResult } from '../../../src/contracts/stack-check';
import { readRunState } from '../../support/run-state';
import { uniqueTaskQueue, withWorker } from '../../support/temporal';

describe('a workflow on the real Temporal dev server', () => {
  it('runs through a real worker and returns what its activity reported', async () => {
    const taskQueue = uniqueTaskQueue('stack-check');
    const result = await withWorker({ taskQueue, activities: createActivities() }, async (client) => {
      const handle = await client.workflow.start(STACK_CHECK_WORKFLOW, {
        taskQueue,
        workflowId: `${taskQueue}-wf`,
        args: [{ requestedBy: 'jest' }],
      });
      const value = (await handle.result()) as StackCheckResult;
      const history = await handle.fetchHistory();
      const types = (history.events ?? []).map((e) => e.eventType);
      return { value, eventCount: types.length, description: await handle.describe() };
    });
    expect(result.value.worker.pid).toBe(process.pid);
    expect(result.value.worker.sdkVersion).toBe('1.24.0');
    expect(result.value.message).toContain('requested by jest');
    expect(result.description.status.name).toBe('COMPLETED');
    expect(result.eventCount).toBeGreaterThanOrEqual(11);
  });

  it('talks to the server the harness started (or TEMPORAL_ADDRESS)', () => {
    const state = readRunState();
    expect(state.temporalAddress).toMatch(/^[\w.-]+:\d+$/);
    if (!process.env.TEMPORAL_ADDRESS) expect(state.startedServer).toBe(true);
  });
});
