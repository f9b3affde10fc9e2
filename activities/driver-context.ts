import { ApplicationFailure, Context } from '@temporalio/activity';
import type { ActionContext } from '../src/drivers/context';
import { DriverError, isDriverError } from '../src/drivers/errors';
import { CredentialResolutionError } from '../src/secrets/resolver';

/**
 * The generic adapter between Temporal activities and driver actions: an ActionContext built
 * from the activity's Context (cancellation, heartbeats, the previous attempt's heartbeat details
 * to resume from, the activity logger), and DriverErrors turned into ApplicationFailures whose
 * type and retryability follow the error taxonomy (src/drivers/errors.ts).
 */
export function activityContext(): ActionContext {
  const context = Context.current();
  // heartbeatDetails is `any` in the SDK: whatever the previous attempt heartbeated.
  const resumeFrom: unknown = context.info.heartbeatDetails;
  return {
    signal: context.cancellationSignal,
    heartbeat: (details?: unknown) => {
      context.heartbeat(details);
    },
    resumeFrom,
    log: (message, fields) => {
      context.log.info(message, fields);
    },
  };
}

export function toApplicationFailure(err: DriverError): ApplicationFailure {
  return ApplicationFailure.create({
    type: err.type,
    message: err.message,
    nonRetryable: !err.retryable,
    details: [err.details],
    // A service that said when to come back (Retry-After) overrides the policy's backoff.
    nextRetryDelay: err.retryAfterSeconds ? `${err.retryAfterSeconds}s` : undefined,
    cause: err,
  });
}

/** Runs a driver action inside an activity: DriverErrors become ApplicationFailures; a
 * credential that cannot be resolved is bad input (non-retryable); anything else propagates
 * (and is retried by the activity's policy). */
export async function runDriverAction<T>(fn: (ctx: ActionContext) => Promise<T>): Promise<T> {
  const ctx = activityContext();
  try {
    return await fn(ctx);
  } catch (err) {
    if (isDriverError(err)) throw toApplicationFailure(err);
    if (err instanceof CredentialResolutionError) {
      throw ApplicationFailure.create({ type: 'InvalidRequest', message: err.message, nonRetryable: true });
    }
    throw err;
  }
}
