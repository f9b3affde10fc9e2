import type { WorkflowExecutionDescription } from '@temporalio/client';
import type { DrydockClient } from '../client';
import { nodeProgressQuery } from '../contracts/control';
import { NODE_WORKFLOW, type NodeProgress, type NodeResult } from '../contracts/deployment';
import { SEARCH_ATTRIBUTES } from '../contracts/search-attributes';
import { CliExit, EXIT } from './exit-codes';
import { duration, table } from './render';
import { askRunningRun, noWorkerMessage, WORKER_QUERY_TIMEOUT_MS, workflowPollers } from './run-lookup';

/**
 * `drydock status node:<site>:<node>`: a node workflow's run, shown from its own progress query
 * (running) or its NodeResult (completed). Site runs go through DrydockClient.getStatus.
 */
export interface NodeRunStatus {
  workflowId: string;
  runId: string;
  kind: 'node';
  node?: string;
  action?: string;
  /** The site run that started it. */
  parentWorkflowId?: string;
  execution: string;
  startTime?: Date;
  closeTime?: Date;
  progress?: NodeProgress;
  result?: NodeResult;
  failure?: { type?: string; message: string };
  /** Set when the run is RUNNING but no worker polls its task queue. */
  waitingForWorker?: { taskQueue: string; message: string };
}

export function isNodeRun(description: WorkflowExecutionDescription): boolean {
  return description.type === NODE_WORKFLOW;
}

/** The innermost cause of a failure: the workflow's own reason rather than "Activity task failed". */
export function deepestCause(err: unknown): { type?: string; message: string } {
  let current = err as { cause?: unknown; type?: string; message?: string } | undefined;
  while (current?.cause && typeof current.cause === 'object') current = current.cause;
  return { type: current?.type, message: current?.message ?? String(err) };
}

/** The deepest cause of a closed run's failure (DrydockClient.getStatus keeps only one level). */
export async function runFailure(client: DrydockClient, id: string): Promise<{ type?: string; message: string } | undefined> {
  try {
    await client.client.workflow.getHandle(id).result();
    return undefined;
  } catch (err) {
    return deepestCause(err);
  }
}

export async function nodeRunStatus(client: DrydockClient, id: string, description: WorkflowExecutionDescription): Promise<NodeRunStatus> {
  const attrs = description.typedSearchAttributes;
  const status: NodeRunStatus = {
    workflowId: id,
    runId: description.runId,
    kind: 'node',
    node: attrs.get(SEARCH_ATTRIBUTES.DrydockNode),
    action: attrs.get(SEARCH_ATTRIBUTES.DrydockAction),
    parentWorkflowId: description.parentExecution?.workflowId ?? undefined,
    execution: description.status.name,
    startTime: description.startTime,
    closeTime: description.closeTime,
  };
  const handle = client.client.workflow.getHandle(id);
  if (description.status.name === 'RUNNING') {
    if ((await workflowPollers(client, description.taskQueue)) === 0) {
      status.waitingForWorker = { taskQueue: description.taskQueue, message: noWorkerMessage(id, description.taskQueue) };
    } else {
      try {
        status.progress = await askRunningRun(client, id, description, () => handle.query(nodeProgressQuery), WORKER_QUERY_TIMEOUT_MS);
      } catch (err) {
        if (!(err instanceof CliExit && err.code === EXIT.unreachable)) throw err;
        status.waitingForWorker = { taskQueue: description.taskQueue, message: err.message };
      }
    }
  } else if (description.status.name === 'COMPLETED') {
    status.result = (await handle.result()) as NodeResult;
  } else {
    try {
      await handle.result();
    } catch (err) {
      status.failure = deepestCause(err);
    }
  }
  return status;
}

export function nodeRunExitCode(status: NodeRunStatus): number {
  if (status.waitingForWorker) return EXIT.unreachable;
  if (status.failure || ['FAILED', 'CANCELLED', 'TERMINATED', 'TIMED_OUT'].includes(status.execution)) return EXIT.failure;
  if (status.result?.outcome === 'failure') return EXIT.failure;
  if (status.result?.outcome === 'skipped') return EXIT.incomplete;
  if (status.progress?.state === 'failed' || status.progress?.state === 'aborted') return EXIT.failure;
  return EXIT.ok;
}

export function renderNodeRun(status: NodeRunStatus): string {
  const lines = [`node workflow ${status.workflowId}${status.action ? ` (${status.action}` : ' ('}${status.node ? ` of node ${status.node}` : ''}${status.parentWorkflowId ? `, started by ${status.parentWorkflowId}` : ''})`];
  lines.push(`  execution: ${status.execution}${status.startTime ? `, started ${status.startTime.toISOString()}` : ''}`);
  if (status.waitingForWorker) lines.push(`  waiting for a worker: ${status.waitingForWorker.message}`);
  if (status.failure) lines.push(`  failed: ${status.failure.type ? `${status.failure.type}: ` : ''}${status.failure.message}`);
  const p = status.progress;
  if (p) lines.push(`  state: ${p.state}${p.step ? `, step ${p.step}` : ''}${p.lastError ? ` — ${p.lastError}` : ''}${p.confirmationPrompt ? ` — ${p.confirmationPrompt}` : ''}${p.waiting ? ` — ${p.waiting}` : ''}`);
  const r = status.result;
  if (r) lines.push(`  result: ${r.outcome}${r.failedStep ? ` at ${r.failedStep}` : ''} — ${r.message}`);
  const steps = r?.steps ?? p?.steps ?? [];
  if (steps.length > 0) lines.push('', table(['STEP', 'STATUS', 'ELAPSED', 'MESSAGE'], steps.map((s) => [s.step, s.status, duration(s.elapsedMs), s.message.replace(/\s+/g, ' ')])));
  return lines.join('\n');
}
