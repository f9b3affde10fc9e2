/**
 * A heartbeat the Temporal server is known to hold. Heartbeats are throttled (src/worker.ts): the
 * SDK sends at once only when none went out within the throttle interval, and holds the newest
 * details until it ends. A worker killed in between loses them, so a retry would not see a record
 * written just before it died. A command that must take effect once (a power or boot command) is
 * sent only after its record (the write-ahead record) is confirmed here: the activity reads its
 * own pending activity back from the server until the decoded details carry the record's mark.
 * So a command that reached the BMC always has a record the next attempt reads.
 */
import { Context } from '@temporalio/activity';
import { decodeArrayFromPayloads } from '@temporalio/common/lib/internal-non-workflow';
import { randomUUID } from 'node:crypto';
import { abortError } from '../src/drivers/abort';

/** Longer than the heartbeat throttle interval (src/worker.ts), which bounds how long the SDK
 * holds a heartbeat, plus a slow server's answer. */
export const CHECKPOINT_TIMEOUT_MS = 30_000;
const READ_BACK_INTERVAL_MS = 200;

export class CheckpointUnconfirmed extends Error {
  override name = 'CheckpointUnconfirmed';
}

/** Heartbeats `details` with a fresh mark and resolves once the server holds them. */
export async function checkpointHeartbeat(heartbeat: (details: unknown) => void, details: Record<string, unknown>, timeoutMs = CHECKPOINT_TIMEOUT_MS): Promise<void> {
  const activity = Context.current();
  const { workflowExecution, activityId, workflowNamespace } = activity.info;
  if (!workflowExecution) throw new CheckpointUnconfirmed('this activity runs outside a workflow: there is no pending activity to read its record back from');
  const mark = randomUUID();
  heartbeat({ ...details, mark });
  let client;
  try {
    client = activity.client;
  } catch {
    return; // a MockActivityEnvironment without a client: no server, and no retry to read it
  }
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  for (;;) {
    if (activity.cancellationSignal.aborted) throw abortError(activity.cancellationSignal);
    try {
      const described = await client.workflowService.describeWorkflowExecution({ namespace: workflowNamespace, execution: { workflowId: workflowExecution.workflowId, runId: workflowExecution.runId } });
      const pending = (described.pendingActivities ?? []).find((p) => p.activityId === activityId);
      const payloads = pending?.heartbeatDetails?.payloads ?? [];
      if (payloads.length > 0) {
        const [held] = await decodeArrayFromPayloads(client.options.loadedDataConverter, payloads);
        if (held !== null && typeof held === 'object' && (held as { mark?: unknown }).mark === mark) return;
      }
    } catch (err) {
      lastError = `: last error: ${(err as Error).message}`;
    }
    if (Date.now() >= deadline) {
      throw new CheckpointUnconfirmed(`the Temporal server did not confirm this step's record within ${timeoutMs / 1000} s${lastError}; the command it records was not sent`);
    }
    await new Promise((r) => setTimeout(r, READ_BACK_INTERVAL_MS));
  }
}
