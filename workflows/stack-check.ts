import { proxyActivities } from '@temporalio/workflow';
import type { StackCheckActivities, StackCheckInput, StackCheckResult } from '../src/contracts/stack-check';

const { describeWorker } = proxyActivities<StackCheckActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 3 },
});

/** Asks whichever worker serves the task queue to describe itself. */
export async function stackCheck(input: StackCheckInput): Promise<StackCheckResult> {
  const worker = await describeWorker();
  return { message: `stack check requested by ${input.requestedBy} ran on ${worker.hostname}`, worker };
}
