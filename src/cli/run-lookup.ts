import { WorkflowNotFoundError, type WorkflowExecutionDescription } from '@temporalio/client';
import type { DrydockClient } from '../client';
import { CliExit, EXIT } from './exit-codes';

/**
 * What the operate commands check before they ask a run anything, so that an unknown id, a
 * closed run or a run no worker serves ends with the documented exit code and a message naming
 * the cause, instead of the SDK's raw error or a wait without end.
 */

/** How long a command waits for a run's worker to answer an update (retry, abort): a retry of
 * many nodes does real work before it answers. */
export const WORKER_ANSWER_TIMEOUT_MS = 30_000;
/** How long `status` and `confirm` wait for a query: a live worker answers in milliseconds. */
export const WORKER_QUERY_TIMEOUT_MS = 10_000;

export function checkWorkflowId(id: string): string {
  if (id.trim() === '') throw new CliExit(EXIT.badInput, 'the workflow id is empty: give the id `drydock deploy` printed, or find it with `drydock list`');
  return id;
}

/** The run's description; an unknown id exits 2. */
export async function describeRun(client: DrydockClient, id: string): Promise<WorkflowExecutionDescription> {
  checkWorkflowId(id);
  try {
    return await client.client.workflow.getHandle(id).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new CliExit(EXIT.badInput, `no drydock workflow with id ${id}`);
    throw err;
  }
}

/** How many workers polled the task queue for workflow tasks lately (Temporal keeps pollers
 * seen in the last few minutes, so a worker that just died may still count). */
export async function workflowPollers(client: DrydockClient, taskQueue: string): Promise<number> {
  const response = await client.client.workflowService.describeTaskQueue({
    namespace: client.client.options.namespace,
    // Enum values from temporal/api/enums/v1 (@temporalio/proto is not a direct dependency):
    // TASK_QUEUE_KIND_NORMAL = 1, TASK_QUEUE_TYPE_WORKFLOW = 1.
    taskQueue: { name: taskQueue, kind: 1 },
    taskQueueType: 1,
  });
  return response.pollers?.length ?? 0;
}

export function noWorkerMessage(id: string, taskQueue: string): string {
  return `no worker is polling task queue ${taskQueue}, which serves ${id}: start one with \`drydock worker --task-queue ${taskQueue}\``;
}

/**
 * Runs `fn` (a query or an update of a running run) only when a worker polls the run's task
 * queue, and gives up after `timeoutMs`: both end with exit 3 and say that the worker is missing
 * or did not answer.
 */
export async function askRunningRun<T>(
  client: DrydockClient,
  id: string,
  description: WorkflowExecutionDescription,
  fn: () => Promise<T>,
  timeoutMs: number = WORKER_ANSWER_TIMEOUT_MS,
): Promise<T> {
  const taskQueue = description.taskQueue;
  if ((await workflowPollers(client, taskQueue)) === 0) throw new CliExit(EXIT.unreachable, noWorkerMessage(id, taskQueue));
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new CliExit(EXIT.unreachable, `no worker on task queue ${taskQueue} answered for ${id} within ${Math.round(timeoutMs / 1000)}s (Temporal lists pollers for a few minutes after a worker is gone): is a worker of this task queue running and able to reach Temporal?`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([client.client.withAbortSignal(controller.signal, fn), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** A closed run cannot be signalled or updated: exit 1 naming its state. */
export function refuseClosed(id: string, description: WorkflowExecutionDescription, what: string): void {
  if (description.status.name !== 'RUNNING') {
    throw new CliExit(EXIT.failure, `refused: ${id} has already ended (${description.status.name}), so there is nothing to ${what}; see it with \`drydock status ${id}\``);
  }
}
