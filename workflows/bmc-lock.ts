/**
 * The lock of one BMC endpoint, across every worker and host: a workflow with the fixed id
 * `bmc:<address:port>` (as the site lock is `site:<site>:steps` and a node's `node:<site>:<node>`:
 * Temporal keeps one running workflow per id). Requests come by signal-with-start and are granted
 * one at a time, first come first served, with the endpoint's gap between two holders. A holder
 * whose run ended without releasing (terminated, timed out) loses the lock at the next lease
 * check. Idle, the workflow ends; a long queue continues as new with what it carries.
 */
import { allHandlersFinished, condition, continueAsNew, getExternalWorkflowHandle, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { WorkflowActivities } from '../src/contracts/activities';
import { bmcLockAcquireSignal, bmcLockGrantSignal, bmcLockReleaseSignal, type BmcLockRequest, type BmcLockWorkflowInput } from '../src/contracts/segments';
import * as options from './activity-options';

const lookup = proxyActivities<WorkflowActivities>(options.lookupActivity);

/** Ended when nothing was asked for this long (a later request starts it again). */
const IDLE = '1 minute';
/** How often the holder's run is checked while it holds the lock. */
const LEASE_CHECK = '1 minute';
/** Continue-as-new well before Temporal's history limits (a grant takes ~6 events). */
const HISTORY_LIMIT = 2_000;
/** Served request ids remembered against duplicates (a duplicate comes within seconds). */
const SERVED_KEPT = 200;

export async function bmcLockWorkflow(input: BmcLockWorkflowInput): Promise<void> {
  const queue: Array<BmcLockRequest & { gapMs: number }> = [...(input.queue ?? [])];
  // Releases of requests not yet (or no longer) queued: a waiter that withdrew before its
  // request arrived must not be granted later.
  const released = new Set<string>();
  let lastReleasedAt = input.lastReleasedAt ?? 0;
  // Requests already served: a retried request activity may deliver its signal twice.
  const served: string[] = [...(input.served ?? [])];

  setHandler(bmcLockAcquireSignal, (request) => {
    if (released.delete(request.requestId) || served.includes(request.requestId) || queue.some((q) => q.requestId === request.requestId)) return;
    queue.push(request);
  });
  setHandler(bmcLockReleaseSignal, ({ requestId }) => {
    const at = queue.findIndex((q) => q.requestId === requestId);
    if (at > 0) queue.splice(at, 1); // a waiter withdraws
    else released.add(requestId); // the holder (or a request still on its way) is done
  });

  for (;;) {
    if (queue.length === 0 && !(await condition(() => queue.length > 0, IDLE))) return;
    const head = queue[0];
    const wait = lastReleasedAt + head.gapMs - Date.now();
    if (wait > 0) await sleep(wait);
    if (!released.has(head.requestId)) {
      try {
        await getExternalWorkflowHandle(head.workflowId, head.runId).signal(bmcLockGrantSignal, { requestId: head.requestId });
        while (!(await condition(() => released.has(head.requestId), LEASE_CHECK))) {
          if (!(await lookup.bmcLockHolderRunning({ workflowId: head.workflowId, runId: head.runId }))) break;
        }
      } catch {
        // The requester's run is gone: its turn passes.
      }
    }
    queue.shift();
    released.delete(head.requestId);
    served.push(head.requestId);
    if (served.length > SERVED_KEPT) served.shift();
    lastReleasedAt = Date.now();
    if (workflowInfo().historyLength > HISTORY_LIMIT || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof bmcLockWorkflow>({ endpoint: input.endpoint, queue, lastReleasedAt, served });
    }
  }
}
