/**
 * Where a node's OOB and switch steps run, and their turn at a shared BMC: the node workflow's
 * side of segment queues (src/contracts/segments.ts) and of the BMC lock (./bmc-lock.ts).
 */
import { CancellationScope, condition, getExternalWorkflowHandle, patched, proxyActivities, setCurrentDetails, setHandler, uuid4, workflowInfo } from '@temporalio/workflow';
import type { WorkflowActivities } from '../src/contracts/activities';
import type { NodeProgress, NodeWorkflowInput } from '../src/contracts/deployment';
import { bmcCommandGapMs, bmcEndpoint, bmcLockGrantSignal, bmcLockReleaseSignal, bmcLockWorkflowId, legacyBmcLockWorkflowId, nodeSegment, segmentTaskQueue } from '../src/contracts/segments';
import * as options from './activity-options';
import type { SegmentRoute } from './node-steps';
import type { DriverKind } from './plans';

/** Runs before these patches ran every activity on the run's task queue, and without the lock. */
const SEGMENT_QUEUES_PATCH = 'segment-queues';
const BMC_LOCK_PATCH = 'bmc-lock';
/** Lock ids that do not show the BMC's address (before: `bmc:<address>:<port>`). */
const BMC_LOCK_ID_PATCH = 'bmc-lock-hidden-id';

/** How long a segment activity waits for a worker before the node says so (then waits on). */
export const DEFAULT_SEGMENT_WAIT = '60 seconds';

const lockActivities = proxyActivities<WorkflowActivities>(options.lockActivity);

/** The segment queue of an OOB or switch step, when the run routes by segment. */
export function segmentRoute(input: NodeWorkflowInput, driver: DriverKind, progress: NodeProgress): SegmentRoute | undefined {
  if (!input.segmentQueues || (driver !== 'oob' && driver !== 'network')) return undefined;
  const segment = nodeSegment(input.node);
  if (!segment || !patched(SEGMENT_QUEUES_PATCH)) return undefined;
  return {
    segment,
    taskQueue: segmentTaskQueue(workflowInfo().taskQueue, segment),
    waitTimeout: input.segmentWaitTimeout ?? DEFAULT_SEGMENT_WAIT,
    onWaiting: (message) => {
      progress.waiting = message;
      if (message) setCurrentDetails(`step **${progress.step ?? ''}**: ${message}`);
    },
  };
}

/** Runs OOB steps one at a time per BMC endpoint, across every worker (a lock per endpoint). */
export function bmcLock(input: NodeWorkflowInput, progress: NodeProgress) {
  const granted = new Set<string>();
  const mine = new Set<string>(); // requests this workflow waits on or holds
  const endpoint = bmcEndpoint(input.node);
  let lockId: string | undefined; // decided at the first request
  setHandler(bmcLockGrantSignal, ({ requestId }) => {
    if (mine.has(requestId)) granted.add(requestId);
    // A grant of a request already done with (a retried request activity delivered it twice):
    // hand the turn back at once rather than hold the BMC.
    else if (lockId) void getExternalWorkflowHandle(lockId).signal(bmcLockReleaseSignal, { requestId }).catch(() => undefined);
  });
  return async function withBmcLock<T>(driver: DriverKind, fn: () => Promise<T>): Promise<T> {
    if (driver !== 'oob' || !endpoint || !patched(BMC_LOCK_PATCH)) return fn();
    const id = (lockId ??= patched(BMC_LOCK_ID_PATCH) ? bmcLockWorkflowId(endpoint, workflowInfo().taskQueue) : legacyBmcLockWorkflowId(endpoint));
    const { workflowId, runId } = workflowInfo();
    const requestId = uuid4();
    mine.add(requestId);
    try {
      await lockActivities.requestBmcLock({ endpoint, lockWorkflowId: id, workflowId, runId, requestId, gapMs: bmcCommandGapMs(input.node) });
      if (!granted.has(requestId)) {
        progress.waiting = `waiting for its turn at the BMC ${endpoint} (one command at a time)`;
        await condition(() => granted.has(requestId));
      }
      progress.waiting = undefined;
      return await fn();
    } finally {
      granted.delete(requestId);
      mine.delete(requestId);
      // Released (or withdrawn) even when the step is cancelled; a lock workflow that is gone
      // has nothing to release.
      await CancellationScope.nonCancellable(() => getExternalWorkflowHandle(id).signal(bmcLockReleaseSignal, { requestId })).catch(() => undefined);
    }
  };
}
