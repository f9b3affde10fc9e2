import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ActionContext } from '../src/drivers/context';
import { DriverError } from '../src/drivers/errors';
import { CredentialResolutionError } from '../src/secrets/resolver';

/** The ActionContext of the running activity: heartbeats, cancellation, the previous attempt's
 * heartbeat details (to resume from), and the activity logger. */
export function activityContext(): ActionContext {
  const ctx = Context.current();
  return {
    signal: ctx.cancellationSignal,
    heartbeat: (details?: unknown) => ctx.heartbeat(details),
    resumeFrom: ctx.info.heartbeatDetails,
    log: (message, fields) => ctx.log.info(message, fields),
  };
}

/**
 * Turns a driver failure into the ApplicationFailure Temporal records: its type is the
 * taxonomy's type name (BmcAuthFailed, MaasBusy, ...), non-retryable kinds fail the activity
 * at once, and Retry-After becomes the next retry delay. Credential problems are configuration
 * errors: non-retryable. Anything else is rethrown as it is (retryable by default).
 */
export function toApplicationFailure(err: unknown): unknown {
  if (err instanceof DriverError) {
    return ApplicationFailure.create({
      type: err.type,
      message: err.target ? `${err.message} [${err.target}]` : err.message,
      nonRetryable: !err.retryable,
      details: [{ kind: err.kind, component: err.component, target: err.target ?? null, ...err.details }],
      nextRetryDelay: err.retryable && err.retryAfterSeconds !== undefined ? `${err.retryAfterSeconds} seconds` : undefined,
    });
  }
  if (err instanceof CredentialResolutionError) {
    return ApplicationFailure.create({ type: 'CredentialUnavailable', message: err.message, nonRetryable: true });
  }
  return err;
}

/** Runs a driver action inside an activity with the activity's context, mapping its errors. */
export async function runDriverAction<T>(action: (ctx: ActionContext) => Promise<T>): Promise<T> {
  try {
    return await action(activityContext());
  } catch (err) {
    throw toApplicationFailure(err);
  }
}
