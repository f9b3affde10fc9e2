import type { ActivityOptions } from '@temporalio/common';
import type { NodeModel } from '../design/model';
import { nodeSegment, segmentTaskQueue } from './segments';

/**
 * How workflows call the OOB activities (activities/oob.ts). Pure: workflows import it.
 *
 * Retries: the activities throw ApplicationFailures whose `nonRetryable` flag follows the error
 * taxonomy (BmcAuthFailed, BmcUnsupported, BmcNotFound, InvalidRequest stop at once), so the
 * policy needs no list of types; BmcUnreachable/BmcTimeout/BmcBusy are retried, after the
 * BMC's Retry-After when it gave one.
 */
export const OOB_ACTIVITY_OPTIONS = {
  // A power cycle is two power changes of up to power_timeout_s (default 120 s) each, plus
  // IPMI's 2 s between commands: 10 minutes leaves room for slow BMCs.
  startToCloseTimeout: '10m',
  // The activity repeats its last heartbeat at least every 5 s, even while one BMC command is
  // in flight: a worker that dies is noticed within 30 s and the retry resumes from there.
  heartbeatTimeout: '30s',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 5 },
} satisfies ActivityOptions;

/**
 * The task queue a node's OOB activities go to when a run routes by segment
 * (SiteActionOptions.segmentQueues): its segment's queue `<base>@<oob.network>`
 * (src/contracts/segments.ts), or `base` itself when the node names no network.
 */
export function oobTaskQueue(node: Pick<NodeModel, 'oob'>, base: string): string {
  const segment = nodeSegment(node);
  return segment ? segmentTaskQueue(base, segment) : base;
}
