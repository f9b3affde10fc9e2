import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ActionContext } from '../src/drivers/context';
import { isDriverError } from '../src/drivers/errors';
import { abortReason } from '../src/drivers/oob/bmc-lock';

/**
 * The bridge between Temporal activities and drivers: drivers see an ActionContext and throw
 * DriverErrors; activities see heartbeats, cancellation and ApplicationFailures.
 */

/** An ActionContext for the current activity: its cancellation signal, heartbeats, the last
 * heartbeat of the previous attempt (to resume from), and its logger. */
export function activityContext(): ActionContext & { lastHeartbeat(): unknown } {
  const activity = Context.current();
  let last: unknown = activity.info.heartbeatDetails;
  return {
    signal: activity.cancellationSignal,
    heartbeat(details?: unknown) {
      last = details;
      activity.heartbeat(details);
    },
    lastHeartbeat: () => last,
    resumeFrom: activity.info.heartbeatDetails,
    workflowId: activity.info.workflowExecution?.workflowId,
    log(message, fields) {
      activity.log.info(message, fields);
    },
  };
}

/**
 * A DriverError as the ApplicationFailure retry policies act on: `type` is the taxonomy name
 * (BmcUnreachable, BmcAuthFailed, InvalidRequest, ...), `nonRetryable` follows the kind, the
 * credential-free details ride along, and a Retry-After the service gave becomes the next
 * retry delay. Anything else is returned unchanged (a bug, retried by the default policy).
 */
export function toApplicationFailure(err: unknown): unknown {
  if (!isDriverError(err)) return err;
  return ApplicationFailure.create({
    type: err.type,
    message: err.message,
    nonRetryable: !err.retryable,
    details: [{ ...err.details, ...(err.target ? { target: err.target } : {}) }],
    nextRetryDelay: err.retryAfterSeconds !== undefined && err.retryable ? `${err.retryAfterSeconds}s` : undefined,
  });
}

/**
 * Runs a driver action inside an activity. While it runs, the last heartbeat is repeated
 * (every third of the heartbeat timeout, at most every 5 s), because Temporal delivers
 * cancellation only in answer to a heartbeat and a single BMC command can take longer than
 * the timeout; repeating the last details keeps the resume point of the previous attempt.
 */
export async function runDriverAction<T>(fn: (ctx: ActionContext) => Promise<T>): Promise<T> {
  const ctx = activityContext();
  const timeoutMs = Context.current().info.heartbeatTimeoutMs;
  const everyMs = Math.max(100, Math.min(5_000, timeoutMs ? Math.floor(timeoutMs / 3) : 5_000));
  const keepAlive = setInterval(() => ctx.heartbeat(ctx.lastHeartbeat()), everyMs);
  try {
    return await fn(ctx);
  } catch (err) {
    if (ctx.signal.aborted) throw abortReason(ctx.signal);
    throw toApplicationFailure(err);
  } finally {
    clearInterval(keepAlive);
  }
}
